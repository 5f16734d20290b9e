package handlers

import "testing"

func TestMaskValue(t *testing.T) {
	tests := []struct{ in, want string }{{"+27821234567", "*********567"}, {"12", "12"}, {"", ""}}
	for _, tt := range tests {
		if got := maskValue(tt.in); got != tt.want {
			t.Errorf("maskValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
