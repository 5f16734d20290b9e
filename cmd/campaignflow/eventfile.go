package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/campaignflow/campaignflow/sources"
)

// maxEventFileBytes bounds an event read from a file or standard input:
// NATS's max_payload (1 MiB, the largest message the server accepts) plus
// a little for the whitespace around the JSON.
const maxEventFileBytes = 1<<20 + 4<<10

// readEventFile reads an event body from path, or from stdin for "-": at
// most maxEventFileBytes, and only from a regular file (a FIFO or a device
// such as /dev/zero is refused before a byte is read).
func readEventFile(stdin io.Reader, path string) ([]byte, error) {
	if path == "-" {
		b, err := sources.ReadLimited(stdin, "standard input", maxEventFileBytes)
		return b, eventFileError(err, "standard input")
	}
	b, err := sources.ReadRegular(path, maxEventFileBytes)
	return b, eventFileError(err, path)
}

// eventFileError words a refusal of readEventFile for the user.
func eventFileError(err error, name string) error {
	var (
		nr *sources.NotRegularError
		tl *sources.TooLargeError
	)
	switch {
	case errors.As(err, &nr):
		return fmt.Errorf("%s is a %s, not a regular file; give a JSON file (or - for standard input)", name, nr.Kind)
	case errors.As(err, &tl):
		return fmt.Errorf("%s is larger than 1 MiB, the largest event NATS accepts", name)
	}
	return err
}
