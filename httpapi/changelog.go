package httpapi

import (
	"context"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// changelogBody is a changelog as the API shows it: as changelog.published writes it,
// without the locale of a publication.
type changelogBody struct{ webhook.Changelog }

func newChangelogBody(c *feedwire.Changelog) changelogBody {
	return changelogBody{wire.FeaturebaseChangelog(c, "", false)}
}

type categoryInput struct {
	Name                    string `json:"name"`
	SendEmailNotification   bool   `json:"sendEmailNotification,omitempty"`
	HideFromBoardAndWidgets bool   `json:"hideFromBoardAndWidgets,omitempty"`
}

func categories(in []categoryInput) []feedwire.ChangelogCategory {
	out := make([]feedwire.ChangelogCategory, len(in))
	for i, c := range in {
		out[i] = feedwire.ChangelogCategory{Name: c.Name, SendEmailNotification: c.SendEmailNotification, HideFromBoardAndWidgets: c.HideFromBoardAndWidgets}
	}
	return out
}

type createChangelogInput struct {
	Body struct {
		Title           string          `json:"title"`
		Content         string          `json:"content" doc:"HTML"`
		MarkdownContent string          `json:"markdownContent,omitempty"`
		FeaturedImage   *string         `json:"featuredImage,omitempty" format:"uri"`
		Categories      []categoryInput `json:"categories,omitempty"`
	}
}

func (in *createChangelogInput) input() feedwire.ChangelogInput {
	b := in.Body
	return feedwire.ChangelogInput{Title: b.Title, Content: b.Content, MarkdownContent: b.MarkdownContent,
		FeaturedImage: b.FeaturedImage, Categories: categories(b.Categories)}
}

type changelogPatchBody struct {
	Title           patchField[string]          `json:"title,omitzero"`
	Content         patchField[string]          `json:"content,omitzero"`
	MarkdownContent patchField[string]          `json:"markdownContent,omitzero"`
	FeaturedImage   patchField[string]          `json:"featuredImage,omitzero" nullable:"true"`
	Categories      patchField[[]categoryInput] `json:"categories,omitzero" nullable:"true" doc:"Replaces all categories"`
}

func (b changelogPatchBody) patch() feedwire.ChangelogPatch {
	p := feedwire.ChangelogPatch{Title: b.Title.field(), Content: b.Content.field(),
		MarkdownContent: b.MarkdownContent.field(), FeaturedImage: b.FeaturedImage.field()}
	p.Categories = feedwire.Field[[]feedwire.ChangelogCategory]{Set: b.Categories.Set, Null: b.Categories.Null,
		Value: categories(b.Categories.Value)}
	return p
}

type publishChangelogInput struct {
	ID   string `path:"id"`
	Body struct {
		Locale string `json:"locale" doc:"A language tag such as en, fr or pt-BR"`
	}
}

func publishChangelog(svc feedwire.ChangelogService) handler[publishChangelogInput, output[changelogBody]] {
	return func(ctx context.Context, workspaceID string, in *publishChangelogInput) (*output[changelogBody], error) {
		c, err := svc.PublishChangelog(ctx, workspaceID, in.ID, in.Body.Locale)
		if err != nil {
			return nil, err
		}
		return &output[changelogBody]{newChangelogBody(c)}, nil
	}
}
