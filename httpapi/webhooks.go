package httpapi

import (
	"context"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// webhookBody is a webhook as the API shows it: Featurebase's webhook object, with the
// format, the retry schedule, and why it was suspended.
type webhookBody struct {
	Object                  string               `json:"object" enum:"webhook"`
	ID                      string               `json:"id"`
	Name                    string               `json:"name"`
	URL                     string               `json:"url"`
	Description             *string              `json:"description" nullable:"true"`
	Format                  string               `json:"format" enum:"harvestr,featurebase,slack,discord,teams,template,operational"`
	Topics                  []string             `json:"topics"`
	Status                  string               `json:"status" enum:"active,paused,suspended"`
	StatusReason            *string              `json:"statusReason" nullable:"true" doc:"Why feedwire suspended the webhook"`
	Secret                  *string              `json:"secret" nullable:"true" doc:"Signs the deliveries, as given: whsec_ and base64, or a harvestr webhook's own text; see the README for the signatures. Shown only in the answers to create and to a rotation, and by GET /v1/webhooks/{id}/secret; null everywhere else, and when a harvestr webhook has no secret (its deliveries are unsigned, and only its challenge is signed, with the empty key)"`
	PreviousSecretExpiresAt *webhook.Time        `json:"previousSecretExpiresAt" nullable:"true" doc:"Until then the previous secret also signs the webhook-signature header"`
	RequestConfig           requestConfigBody    `json:"requestConfig"`
	RetrySchedule           []string             `json:"retrySchedule" doc:"The delays between attempts"`
	RateLimit               *rateLimitBody       `json:"rateLimit" doc:"How fast the webhook receives deliveries; null when it is not limited"`
	Ordering                string               `json:"ordering" enum:"unordered,fifo" doc:"fifo: one delivery at a time, in the order the events were committed; a failing one holds those after it"`
	LastStatus              *lastStatusBody      `json:"lastStatus"`
	Health                  webhookHealthBody    `json:"health"`
	CreatedAt               webhook.Time         `json:"createdAt"`
	UpdatedAt               webhook.Time         `json:"updatedAt"`
	Filter                  *filterBody          `json:"filter" nullable:"true"`
	Template                *webhookTemplateBody `json:"template" doc:"A template webhook's template; null for every other format"`
}

type requestConfigBody struct {
	TimeoutMs int               `json:"timeoutMs"`
	Headers   map[string]string `json:"headers"`
}

// rateLimitBody is a webhook's rate limit, as the API shows and takes it.
type rateLimitBody struct {
	PerSecond int `json:"perSecond" minimum:"1" maximum:"10000" doc:"Deliveries per second, retries and tests included: the receiver counts at most perSecond + burst - 1 in any second. Nodes side by side share the limit; one that falls behind it may add a few in a second"`
	Burst     int `json:"burst,omitempty" minimum:"1" maximum:"1000" doc:"How many may go at once after a quiet spell; default 1"`
}

func newRateLimitBody(r *feedwire.RateLimit) *rateLimitBody {
	if r == nil {
		return nil
	}
	return &rateLimitBody{PerSecond: r.PerSecond, Burst: r.Burst}
}

// rateLimitPatch is the rateLimit member of a PATCH: a limit that replaces the
// webhook's, or null, which removes it. (huma's nullable tag takes no object.)
type rateLimitPatch struct{ patchField[rateLimitBody] }

func (rateLimitPatch) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{AnyOf: []*huma.Schema{r.Schema(reflect.TypeFor[rateLimitBody](), true, ""), {Type: "null"}}}
}

func (b *rateLimitBody) rateLimit() *feedwire.RateLimit {
	if b == nil {
		return nil
	}
	return &feedwire.RateLimit{PerSecond: b.PerSecond, Burst: b.Burst}
}

type lastStatusBody struct {
	Code      int          `json:"code" doc:"The HTTP status; 0 when there was no answer"`
	Message   string       `json:"message"`
	Timestamp webhook.Time `json:"timestamp"`
}

type webhookHealthBody struct {
	LastResponseTime       int64         `json:"lastResponseTime" doc:"Milliseconds"`
	AvgResponseTime        int64         `json:"avgResponseTime" doc:"Milliseconds"`
	LastSuccessAt          *webhook.Time `json:"lastSuccessAt" nullable:"true"`
	ErrorsSinceLastSuccess int           `json:"errorsSinceLastSuccess" doc:"Failed attempts since the last success"`
	ConsecutiveFailures    int           `json:"consecutiveFailures" doc:"Deliveries given up on since the last success"`
}

// newWebhookBody shows a webhook without its secret: secrets are shown only on purpose,
// by withSecret.
func newWebhookBody(w *feedwire.Webhook) webhookBody {
	b := webhookBody{
		Object: "webhook", ID: w.ID, Name: w.Name, URL: w.URL, Description: w.Description,
		Format: string(w.Format), Topics: make([]string, len(w.Topics)), Status: string(w.Status),
		StatusReason: w.StatusReason, PreviousSecretExpiresAt: webhook.NewTimePtr(w.PreviousSecretExpiresAt),
		RequestConfig: requestConfigBody{TimeoutMs: int(w.Timeout.Milliseconds()), Headers: w.Headers},
		RetrySchedule: formatDurations(w.Schedule()), RateLimit: newRateLimitBody(w.RateLimit),
		Ordering: string(feedwire.OrderingOrDefault(w.Ordering)),
		Health: webhookHealthBody{
			LastResponseTime: w.Health.LastResponseTime.Milliseconds(), AvgResponseTime: w.Health.AvgResponseTime.Milliseconds(),
			LastSuccessAt:          webhook.NewTimePtr(w.Health.LastSuccessAt),
			ErrorsSinceLastSuccess: w.Health.ErrorsSinceLastSuccess, ConsecutiveFailures: w.Health.ConsecutiveFailures,
		},
		CreatedAt: webhook.NewTime(w.CreatedAt), UpdatedAt: webhook.NewTime(w.UpdatedAt),
		Filter: newFilterBody(w.Filter), Template: newTemplateBody(w.Template),
	}
	for i, t := range w.Topics {
		b.Topics[i] = string(t)
	}
	if w.LastStatus != nil {
		b.LastStatus = &lastStatusBody{Code: w.LastStatus.Code, Message: w.LastStatus.Message, Timestamp: webhook.NewTime(w.LastStatus.At)}
	}
	return b
}

// withSecret shows a webhook with its secret: in the answers to create and rotation,
// the moments a secret is made.
func withSecret(w *feedwire.Webhook) webhookBody {
	b := newWebhookBody(w)
	b.Secret = secretOrNull(w.Secret)
	return b
}

// secretOrNull shows a webhook's secret, null when it has none.
func secretOrNull(secret string) *string {
	if secret == "" {
		return nil
	}
	return &secret
}

// webhookSecretBody is what revealing a webhook's secret answers.
type webhookSecretBody struct {
	Object    string  `json:"object" enum:"webhook_secret"`
	WebhookID string  `json:"webhookId"`
	Secret    *string `json:"secret" nullable:"true" doc:"The secret that signs the deliveries; null when a harvestr webhook has none"`
}

func revealSecret(svc feedwire.WebhookService) handler[idInput, output[webhookSecretBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[webhookSecretBody], error) {
		w, err := svc.Webhook(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[webhookSecretBody]{webhookSecretBody{Object: "webhook_secret", WebhookID: w.ID, Secret: secretOrNull(w.Secret)}}, nil
	}
}

type requestConfigInput struct {
	TimeoutMs int               `json:"timeoutMs,omitempty" minimum:"1000" maximum:"30000" doc:"Default 5000"`
	Headers   map[string]string `json:"headers,omitempty" doc:"At most 10; they may not replace feedwire's own headers"`
}

type createWebhookInput struct {
	Body struct {
		Name          string               `json:"name" maxLength:"100"`
		URL           string               `json:"url" format:"uri"`
		Description   *string              `json:"description,omitempty" maxLength:"500"`
		Format        feedwire.Format      `json:"format" enum:"harvestr,featurebase,slack,discord,teams,template,operational" doc:"harvestr and featurebase send the vendor's body and signatures; slack, discord and teams a message in that tool's incoming-webhook JSON; template the webhook's own template; operational receives feedwire's own events (webhook.suspended, webhook.recovered, delivery.failed, job.finished) as Standard Webhooks payloads. All carry the Standard Webhooks headers"`
		Topics        []feedwire.EventType `json:"topics" minItems:"1" doc:"Event types of the format, as GET /v1/event-types lists them; slack, discord, teams and template take all 32"`
		Secret        *string              `json:"secret,omitempty" doc:"Generated (whsec_ and the base64 of 32 random bytes) when left out. featurebase: whsec_ and the base64 of 24 to 64 bytes. harvestr: \"\" for no secret (unsigned deliveries), or any text of 1 to 256 bytes without control characters, used as given"`
		RequestConfig *requestConfigInput  `json:"requestConfig,omitempty"`
		RetrySchedule []string             `json:"retrySchedule,omitempty" doc:"Delays between attempts, such as [\"5s\", \"5m\", \"30m\"]; the default spans about 3 days"`
		RateLimit     *rateLimitBody       `json:"rateLimit,omitempty" doc:"Left out, the webhook's deliveries are not limited"`
		Ordering      feedwire.Ordering    `json:"ordering,omitempty" enum:"unordered,fifo" doc:"Default unordered"`
		Filter        *filterBody          `json:"filter,omitempty"`
		Template      *webhookTemplateBody `json:"template,omitempty" doc:"Required with format template, refused with any other"`
	}
}

func createWebhook(svc feedwire.WebhookService) handler[createWebhookInput, output[webhookBody]] {
	return func(ctx context.Context, workspaceID string, in *createWebhookInput) (*output[webhookBody], error) {
		b := in.Body
		schedule, err := parseDurations("retrySchedule", b.RetrySchedule)
		if err != nil {
			return nil, err
		}
		input := feedwire.WebhookInput{
			Name: b.Name, URL: b.URL, Description: b.Description, Format: b.Format, Topics: b.Topics,
			Secret: b.Secret, RetrySchedule: schedule, RateLimit: b.RateLimit.rateLimit(), Ordering: b.Ordering, Filter: b.Filter.raw(),
			Template: b.Template.template(),
		}
		if b.RequestConfig != nil {
			input.Timeout = time.Duration(b.RequestConfig.TimeoutMs) * time.Millisecond
			input.Headers = b.RequestConfig.Headers
		}
		w, err := svc.CreateWebhook(ctx, workspaceID, input)
		if err != nil {
			return nil, err
		}
		return &output[webhookBody]{withSecret(w)}, nil
	}
}

type requestConfigPatch struct {
	TimeoutMs patchField[int]               `json:"timeoutMs,omitzero" nullable:"true" minimum:"1000" maximum:"30000" doc:"null restores the default, 5000"`
	Headers   patchField[map[string]string] `json:"headers,omitzero" nullable:"true" doc:"Replaces all custom headers"`
}

type updateWebhookInput struct {
	ID   string `path:"id"`
	Body webhookPatchBody
}

type webhookPatchBody struct {
	Name          patchField[string]                 `json:"name,omitzero"`
	URL           patchField[string]                 `json:"url,omitzero" doc:"A harvestr webhook's new URL must answer the challenge"`
	Description   patchField[string]                 `json:"description,omitzero" nullable:"true"`
	Topics        patchField[[]feedwire.EventType]   `json:"topics,omitzero"`
	Status        patchField[feedwire.WebhookStatus] `json:"status,omitzero" enum:"active,paused" doc:"active resumes a paused or suspended webhook and resets its health"`
	RequestConfig patchField[requestConfigPatch]     `json:"requestConfig,omitzero" doc:"null is refused; a member set to null restores its default"`
	RetrySchedule patchField[[]string]               `json:"retrySchedule,omitzero" nullable:"true" doc:"null restores the default schedule"`
	RateLimit     rateLimitPatch                     `json:"rateLimit,omitzero" doc:"Replaces the rate limit; null removes it"`
	Ordering      patchField[feedwire.Ordering]      `json:"ordering,omitzero" nullable:"true" enum:"unordered,fifo" doc:"null restores unordered"`
	Filter        patchField[filterBody]             `json:"filter,omitzero" nullable:"true" doc:"Replaces the filter; null removes it"`
	Template      patchField[webhookTemplateBody]    `json:"template,omitzero" doc:"Replaces a template webhook's template, body and content type together; null is refused: a template webhook always has one"`
}

func updateWebhook(svc feedwire.WebhookService) handler[updateWebhookInput, output[webhookBody]] {
	return func(ctx context.Context, workspaceID string, in *updateWebhookInput) (*output[webhookBody], error) {
		b := in.Body
		p := feedwire.WebhookPatch{
			Name: b.Name.field(), URL: b.URL.field(), Description: b.Description.field(),
			Topics: b.Topics.field(), Status: b.Status.field(), Ordering: b.Ordering.field(),
		}
		if rl := b.RateLimit.field(); rl.Set {
			p.RateLimit = feedwire.Field[feedwire.RateLimit]{Set: true, Null: rl.Null, Value: *rl.Value.rateLimit()}
		}
		if err := controlsPatch(&p, b.Filter, b.Template); err != nil {
			return nil, err
		}
		if rs := b.RetrySchedule.field(); rs.Set {
			schedule, err := parseDurations("retrySchedule", rs.Value)
			if err != nil {
				return nil, err
			}
			p.RetrySchedule = feedwire.Field[[]time.Duration]{Set: true, Null: rs.Null, Value: schedule}
		}
		if rc := b.RequestConfig; rc.Null {
			return nil, feedwire.Invalid("requestConfig", "must not be null; set timeoutMs or headers to null to restore its default")
		} else if rc.Set {
			t := rc.Value.TimeoutMs.field()
			p.Timeout = feedwire.Field[time.Duration]{Set: t.Set, Null: t.Null, Value: time.Duration(t.Value) * time.Millisecond}
			p.Headers = rc.Value.Headers.field()
		}
		w, err := svc.UpdateWebhook(ctx, workspaceID, in.ID, p)
		if err != nil {
			return nil, err
		}
		return &output[webhookBody]{newWebhookBody(w)}, nil
	}
}

type deletedBody struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

type rotateWebhookSecretInput struct {
	ID   string `path:"id"`
	Body struct {
		GracePeriod string  `json:"gracePeriod,omitempty" doc:"How long the old secret keeps signing webhook-signature, up to 168h; default 0s"`
		Secret      *string `json:"secret,omitempty" doc:"The new secret, generated when left out. featurebase: whsec_ and the base64 of 24 to 64 bytes. harvestr: \"\" for no secret, or any text of 1 to 256 bytes without control characters"`
	}
}

func rotateSecret(svc feedwire.WebhookService) handler[rotateWebhookSecretInput, output[webhookBody]] {
	return func(ctx context.Context, workspaceID string, in *rotateWebhookSecretInput) (*output[webhookBody], error) {
		var grace time.Duration
		if in.Body.GracePeriod != "" {
			var err error
			if grace, err = time.ParseDuration(in.Body.GracePeriod); err != nil {
				return nil, feedwire.Invalid("gracePeriod", "is not a duration such as 24h")
			}
		}
		w, err := svc.RotateWebhookSecret(ctx, workspaceID, in.ID, grace, in.Body.Secret)
		if err != nil {
			return nil, err
		}
		return &output[webhookBody]{withSecret(w)}, nil
	}
}

type testWebhookInput struct {
	ID   string `path:"id"`
	Body *struct {
		EventType feedwire.EventType `json:"eventType,omitempty" doc:"Defaults to the webhook's first topic"`
	} `required:"false"`
}

func testWebhook(svc feedwire.WebhookService) handler[testWebhookInput, output[deliveryBody]] {
	return func(ctx context.Context, workspaceID string, in *testWebhookInput) (*output[deliveryBody], error) {
		var eventType feedwire.EventType
		if in.Body != nil {
			eventType = in.Body.EventType
		}
		d, err := svc.TestWebhook(ctx, workspaceID, in.ID, eventType)
		if err != nil {
			return nil, err
		}
		return &output[deliveryBody]{newDeliveryBody(d, nil)}, nil
	}
}
