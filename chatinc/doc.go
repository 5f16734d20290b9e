// Package chatinc is a client for the Chat Inc WhatsApp broadcast API.
//
// Create a client with the base URL and the API key (sent bare in the
// Authorization header, as Chat Inc expects):
//
//	c, err := chatinc.New("https://api.chatinc.com", os.Getenv("CHATINC_API_KEY"),
//		chatinc.WithRetry(time.Minute, 6))
//
// # Flow control
//
// By default the client finds the rate Chat Inc accepts (FlowAdaptive): it
// starts at 50 calls per second, doubles while calls wait their turn and
// succeed with stable latency, cuts the rate on 429, 503 and timeouts and
// grows back in a cubic curve. A 429's Retry-After holds back every
// goroutine's calls of that endpoint class (small calls; CSV uploads), not
// only the one that got it. WithFlowControl sets a ceiling or a fixed rate
// (FlowFixed, a token bucket; WithRateLimit is a shorthand for it); Flow
// reports each class's current limit and calls in flight.
//
// The usual sequence is: create an audience (CreateAudience, then
// AddContactsToAudience or AddContactsFromCSV to grow it), create a variable
// group with the values the message uses (CreateVariableGroup or
// CreateVariableGroupFromCSV), create the campaign (CreateCampaign: a
// WhatsApp template that Chat Inc approves after a while), then run it
// (RunCampaign) and read its results (RetrieveCampaigns, CampaignDetails).
//
// # Validation
//
// Requests are validated before anything is sent: required fields, the
// button rules (phone and url buttons only with each other, never with input
// or journey buttons; at most 10 buttons, 2 url and 1 phone), {group.field}
// placeholders, a timeToRun that is not in the past, at least one audience to
// run. Validation errors are *ValidationError and match ErrValidation.
//
// # Large work
//
// AddContactsToAudience and CreateVariableGroup split contacts and values
// into batches (WithBatchSize, default 1000, Chat Inc's limit per request)
// and encode one batch at a time. CSV uploads stream the file through a
// multipart pipe. AudienceContacts and CampaignDetails are iterators that
// decode rows as they arrive.
//
// # Reading only
//
// WithReadOnly makes a client that calls only the retrieve endpoints
// (IsReadEndpoint) and refuses every call that would change the account
// with ErrReadOnly before sending it: for previews (campaignflow promo
// preview) and checks. RenderMessage is a message as one contact reads it.
//
// # Failures
//
// Connection errors, timeouts, 429 and 5xx answers are retried with
// exponential backoff and jitter, honouring Retry-After, within a budget
// (WithRetry) and the context. Merges and retrieves retry freely. Creating
// and running a campaign are not idempotent: they are retried only when the
// request provably never reached Chat Inc (dial errors, 429, 503); when a
// request went out and no answer came back they return *AmbiguousError, so
// the caller can look (RetrieveCampaigns) before trying again.
//
// Errors from Chat Inc are *APIError and match the sentinels ErrUnauthorized,
// ErrNotFound, ErrValidation, ErrRateLimited, ErrTemplateNotApproved,
// ErrTooLarge and ErrServer with errors.Is. IsTransient tells whether an
// error is worth retrying later.
//
// The API key never appears in errors, logs or when the client is printed.
package chatinc
