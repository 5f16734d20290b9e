package sources

import (
	"fmt"
	"io"
	"os"
)

func openOS(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return f, nil
}
