package sandbox

import (
	"net/http"
	"strings"
)

// Paths of the Chat Inc API the sandbox serves.
const (
	PathCreateCampaign          = "/v1/create/campaign"
	PathRunCampaign             = "/v1/run/campaign"
	PathRetrieveCampaigns       = "/v1/retrieve/campaigns"
	PathRetrieveCampaign        = "/v1/retrieve/campaign"
	PathCreateAudience          = "/v1/create/audience"
	PathCreateAudienceFromFile  = "/v1/create/audience/from/file"
	PathRetrieveAudiences       = "/v1/retrieve/audiences"
	PathRetrieveAudienceContact = "/v1/retrieve/audience/contacts"
	PathCreateVariableGroup     = "/v1/create/variable/group"
	PathCreateVariableGroupFile = "/v1/create/variable/group/from/file"
	PathRetrieveVariableGroups  = "/v1/retrieve/variable/groups"
)

type apiHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(path string, h apiHandler, methods ...string) {
		mux.Handle(path, s.apiEndpoint(path, h, methods))
	}
	api(PathCreateCampaign, s.handleCreateCampaign, http.MethodPost)
	api(PathRunCampaign, s.handleRunCampaign, http.MethodPost)
	api(PathRetrieveCampaigns, s.handleRetrieveCampaigns, http.MethodPost, http.MethodGet)
	api(PathRetrieveCampaign, s.handleCampaignDetails, http.MethodPost)
	api(PathCreateAudience, s.handleCreateAudience, http.MethodPost)
	api(PathCreateAudienceFromFile, s.handleAudienceFromFile, http.MethodPost)
	api(PathRetrieveAudiences, s.handleRetrieveAudiences, http.MethodGet, http.MethodPost)
	api(PathRetrieveAudienceContact, s.handleAudienceContacts, http.MethodPost)
	api(PathCreateVariableGroup, s.handleCreateVariableGroup, http.MethodPost)
	api(PathCreateVariableGroupFile, s.handleVariableGroupFromFile, http.MethodPost)
	api(PathRetrieveVariableGroups, s.handleRetrieveVariableGroups, http.MethodGet, http.MethodPost)
	s.adminRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNotFound("no such endpoint %s %s; see the Chat Inc API page for the paths", r.Method, r.URL.Path))
	})
	return mux
}

// apiEndpoint wraps a handler with what every API endpoint does: count the
// request, check the method and the Authorization header, apply the rate
// limit, inject faults.
func (s *Server) apiEndpoint(path string, h apiHandler, methods []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.countRequest(path)
		if s.opts.StateFile != "" && mutatingPaths[path] {
			defer s.markDirty()
		}
		s.opts.Logger.Debug("sandbox request", "method", r.Method, "path", path)
		if !allowed(r.Method, methods) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeError(w, &apiError{http.StatusMethodNotAllowed, CodeValidation,
				r.Method + " is not allowed on " + path + "; use " + strings.Join(methods, " or ")})
			return
		}
		if err := s.authorize(r); err != nil {
			writeError(w, err)
			return
		}
		if !s.admitRate(w) {
			return
		}
		f := s.drawFault(path)
		if f != nil && !f.before(w, r) {
			return
		}
		if f != nil && f.Kind == FaultDrop {
			s.serveThenDrop(w, r, h)
			return
		}
		if err := h(w, r); err != nil {
			writeError(w, err)
		}
	})
}

func allowed(method string, methods []string) bool {
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}

func (s *Server) authorize(r *http.Request) error {
	key := r.Header.Get("Authorization")
	unauthorized := func(msg string) error {
		return &apiError{http.StatusUnauthorized, CodeUnauthorized, msg}
	}
	switch {
	case key == "":
		return unauthorized("missing Authorization header; send your API key as `Authorization: <key>`")
	case strings.HasPrefix(key, "Bearer ") && s.opts.APIKey != "" && key != s.opts.APIKey:
		return unauthorized("send the bare API key in Authorization, not `Bearer <key>`")
	case s.opts.APIKey != "" && key != s.opts.APIKey:
		return unauthorized("invalid API key")
	}
	return nil
}
