package wire

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// FeaturebaseChangelog returns c as the API shows it, and as changelog.published
// writes it in the locale it was published in (empty for a draft). Changelogs take no
// comments yet: commentCount is 0.
func FeaturebaseChangelog(c *feedwire.Changelog, locale string, first bool) webhook.Changelog {
	categories := make([]webhook.ChangelogCategory, len(c.Categories))
	for i, cat := range c.Categories {
		categories[i] = webhook.ChangelogCategory{ID: cat.ID, Name: cat.Name,
			SendEmailNotification: cat.SendEmailNotification, HideFromBoardAndWidgets: cat.HideFromBoardAndWidgets}
	}
	locales := c.PublishedLocales
	if locales == nil {
		locales = []string{}
	}
	date := c.CreatedAt
	if c.PublishedAt != nil {
		date = *c.PublishedAt
	}
	return webhook.Changelog{
		Object: "changelog", ID: c.ID, Slug: c.Slug, Title: c.Title, Content: c.Content,
		MarkdownContent: c.MarkdownContent, FeaturedImage: c.FeaturedImage, Locale: locale,
		FirstPublishInLocale: first, PublishedLocales: locales, Categories: categories,
		Date:      webhook.NewTime(date),
		CreatedAt: webhook.NewTime(c.CreatedAt), UpdatedAt: webhook.NewTime(c.UpdatedAt),
	}
}

// ChangelogPublishedEvent returns the event of publishing c in a locale.
func ChangelogPublishedEvent(c *feedwire.Changelog, locale string, first bool) (*feedwire.Event, error) {
	return FeaturebaseEvent("changelog.published", "changelog", nil, FeaturebaseChangelog(c, locale, first))
}
