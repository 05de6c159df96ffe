package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var changelogs = table[feedwire.Changelog]{
	name: "changelogs",
	what: "changelog",
	columns: `id, workspace_id, slug, title, content, markdown_content, featured_image, categories, published_locales,
		published_at, created_at, updated_at`,
	scan: func(row scanner) (*feedwire.Changelog, error) {
		var c feedwire.Changelog
		var categories, locales string
		err := row.Scan(&c.ID, &c.WorkspaceID, &c.Slug, &c.Title, &c.Content, &c.MarkdownContent, &c.FeaturedImage,
			&categories, &locales, nullTimeColumn{&c.PublishedAt}, timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(categories), &c.Categories); err != nil {
			return nil, fmt.Errorf("categories: %w", err)
		}
		if err := json.Unmarshal([]byte(locales), &c.PublishedLocales); err != nil {
			return nil, fmt.Errorf("published locales: %w", err)
		}
		return &c, nil
	},
	id: func(c *feedwire.Changelog) string { return c.ID },
}

// CreateChangelog stores a draft changelog; it emits nothing until it is published.
func (s *Store) CreateChangelog(ctx context.Context, workspaceID string, in feedwire.ChangelogInput) (*feedwire.Changelog, error) {
	c := in.Changelog()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = newObjectID(now), workspaceID, now, now
	for i := range c.Categories {
		c.Categories[i].ID = newObjectID(now)
	}
	err := s.inTx(ctx, func(tx *txn) error {
		slug, err := uniqueSlug(ctx, tx, "changelogs", workspaceID, feedwire.Slugify(c.Title))
		if err != nil {
			return err
		}
		c.Slug = slug
		categories, locales, err := encodeChangelogLists(&c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO changelogs (id, workspace_id, slug, title, content, markdown_content,
			featured_image, categories, published_locales, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, workspaceID, c.Slug, c.Title, c.Content, c.MarkdownContent, c.FeaturedImage, categories, locales,
			millis(now), millis(now))
		if err != nil {
			return fmt.Errorf("insert changelog: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Changelog returns one changelog of the workspace.
func (s *Store) Changelog(ctx context.Context, workspaceID, id string) (*feedwire.Changelog, error) {
	return changelogs.get(ctx, s.read, workspaceID, id)
}

// Changelogs returns one page of the workspace's changelogs, newest first.
func (s *Store) Changelogs(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Changelog], error) {
	return changelogs.list(ctx, s.read, workspaceID, p, "")
}

// UpdateChangelog applies a patch. It emits nothing: the format has only
// changelog.published. New categories get ids; kept ones keep theirs by name.
func (s *Store) UpdateChangelog(ctx context.Context, workspaceID, id string, p feedwire.ChangelogPatch) (*feedwire.Changelog, error) {
	var out *feedwire.Changelog
	err := s.inTx(ctx, func(tx *txn) error {
		c, err := changelogs.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		previous := c.Categories
		if err := p.Apply(c); err != nil {
			return err
		}
		now := s.clock()
		for i := range c.Categories {
			kept := slices.IndexFunc(previous, func(old feedwire.ChangelogCategory) bool { return old.Name == c.Categories[i].Name })
			if kept >= 0 {
				c.Categories[i].ID = previous[kept].ID
			} else {
				c.Categories[i].ID = newObjectID(now)
			}
		}
		c.UpdatedAt = now
		categories, _, err := encodeChangelogLists(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE changelogs SET title = ?, content = ?, markdown_content = ?,
			featured_image = ?, categories = ?, updated_at = ? WHERE id = ?`,
			c.Title, c.Content, c.MarkdownContent, c.FeaturedImage, categories, millis(now), c.ID)
		out = c
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PublishChangelog publishes a changelog in a locale and emits changelog.published.
// Publishing again in a locale it was published in emits the event again, with
// firstPublishInLocale false.
func (s *Store) PublishChangelog(ctx context.Context, workspaceID, id, locale string) (*feedwire.Changelog, error) {
	if err := feedwire.CheckLocale(locale); err != nil {
		return nil, err
	}
	var out *feedwire.Changelog
	err := s.inTx(ctx, func(tx *txn) error {
		c, err := changelogs.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		now := s.clock()
		first := !slices.Contains(c.PublishedLocales, locale)
		if first {
			c.PublishedLocales = append(c.PublishedLocales, locale)
		}
		if c.PublishedAt == nil {
			c.PublishedAt = &now
		}
		c.UpdatedAt = now
		_, locales, err := encodeChangelogLists(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE changelogs SET published_locales = ?, published_at = ?, updated_at = ?
			WHERE id = ?`, locales, nullMillis(c.PublishedAt), millis(now), c.ID)
		if err != nil {
			return fmt.Errorf("publish changelog: %w", err)
		}
		out = c
		ev, err := wire.ChangelogPublishedEvent(c, locale, first)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, c.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func encodeChangelogLists(c *feedwire.Changelog) (categories, locales string, err error) {
	cats, err := json.Marshal(c.Categories)
	if err != nil {
		return "", "", err
	}
	locs, err := json.Marshal(c.PublishedLocales)
	return string(cats), string(locs), err
}
