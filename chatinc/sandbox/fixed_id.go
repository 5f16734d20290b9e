package sandbox

import "time"

// SeedCampaign creates a campaign with a fixed id, already approved: the
// page's examples refer to ids such as "myCampaignId" that the API itself
// would never hand out. For tests and demos only; it is not an endpoint.
func (s *Server) SeedCampaign(id, title, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.simNowLocked()
	c := &campaign{ID: id, Title: title, Message: message, LanguageCode: "enUS", TemplateType: "MARKETING",
		CreatedAt: now.Add(-time.Hour), ApprovedAt: now.Add(-time.Hour)}
	if _, ok := s.campaigns[id]; !ok {
		s.cmpOrder = append(s.cmpOrder, id)
	}
	s.campaigns[id] = c
}
