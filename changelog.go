package feedwire

import (
	"context"
	"regexp"
	"time"
)

// Changelog is an announcement of what changed in the product. Publishing it in a
// locale emits changelog.published; it can be published in several locales.
type Changelog struct {
	ID              string
	WorkspaceID     string
	Slug            string
	Title           string
	Content         string // HTML
	MarkdownContent string
	FeaturedImage   *string
	Categories      []ChangelogCategory
	// PublishedLocales are the locales it was published in, in that order.
	PublishedLocales []string
	// PublishedAt is when it was first published; nil for a draft.
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ChangelogCategory is a category of a changelog, with how subscribers hear of it.
type ChangelogCategory struct {
	ID                      string
	Name                    string
	SendEmailNotification   bool
	HideFromBoardAndWidgets bool
}

// ChangelogInput is what creating a changelog takes; categories get their ids when
// stored.
type ChangelogInput struct {
	Title           string
	Content         string
	MarkdownContent string
	FeaturedImage   *string
	Categories      []ChangelogCategory
}

// Changelog returns the changelog the input describes, not yet stored.
func (in ChangelogInput) Changelog() Changelog {
	c := Changelog{Title: in.Title, Content: in.Content, MarkdownContent: in.MarkdownContent,
		FeaturedImage: in.FeaturedImage, Categories: in.Categories, PublishedLocales: []string{}}
	if c.Categories == nil {
		c.Categories = []ChangelogCategory{}
	}
	return c
}

// ChangelogPatch is a partial update of a changelog. Categories replace all of them.
type ChangelogPatch struct {
	Title           Field[string]
	Content         Field[string]
	MarkdownContent Field[string]
	FeaturedImage   Field[string]
	Categories      Field[[]ChangelogCategory]
}

// Apply applies the patch to c and validates the result.
func (p ChangelogPatch) Apply(c *Changelog) error {
	var problems Problems
	applyRequired(p.Title, &c.Title, "title", &problems)
	applyRequired(p.Content, &c.Content, "content", &problems)
	applyRequired(p.MarkdownContent, &c.MarkdownContent, "markdownContent", &problems)
	applyOptional(p.FeaturedImage, &c.FeaturedImage)
	if p.Categories.Set {
		c.Categories = []ChangelogCategory{}
		if !p.Categories.Null {
			c.Categories = p.Categories.Value
		}
	}
	if err := problems.Err(); err != nil {
		return err
	}
	return c.Validate()
}

// Validate reports every field of c that is not valid.
func (c *Changelog) Validate() error {
	var p Problems
	checkText(&p, "title", c.Title, maxTitle)
	checkText(&p, "content", c.Content, maxContent)
	if len(c.MarkdownContent) > maxContent {
		p.Add("markdownContent", "is too long")
	}
	if c.FeaturedImage != nil {
		checkURL(&p, "featuredImage", *c.FeaturedImage)
	}
	if len(c.Categories) > 20 {
		p.Add("categories", "must hold at most 20 categories")
	}
	for _, cat := range c.Categories {
		checkText(&p, "categories.name", cat.Name, 100)
	}
	return p.Err()
}

var localePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2}|-[A-Za-z]{4})?$`)

// CheckLocale requires a language tag such as en, fr or pt-BR.
func CheckLocale(locale string) error {
	if !localePattern.MatchString(locale) {
		return Invalid("locale", "must be a language tag such as en, fr or pt-BR")
	}
	return nil
}

// ChangelogService stores changelogs and publishes them.
type ChangelogService interface {
	CreateChangelog(ctx context.Context, workspaceID string, in ChangelogInput) (*Changelog, error)
	Changelog(ctx context.Context, workspaceID, id string) (*Changelog, error)
	Changelogs(ctx context.Context, workspaceID string, p ListParams) (*Page[Changelog], error)
	UpdateChangelog(ctx context.Context, workspaceID, id string, p ChangelogPatch) (*Changelog, error)
	// PublishChangelog publishes it in a locale and emits changelog.published, whose
	// firstPublishInLocale is true the first time only.
	PublishChangelog(ctx context.Context, workspaceID, id, locale string) (*Changelog, error)
}
