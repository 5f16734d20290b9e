// Package jsonscan reads JSON in one pass for the worker's hot path: Valid is
// json.Valid (the same answer on every input, checked by fuzzing) at a
// fraction of its cost, and Reader lets a decoder of one known shape read a
// body in a single pass, giving up (ok false) on anything it does not
// handle so that its caller falls back to encoding/json. A decoder built on
// Reader must only ever answer what json.Unmarshal would.
package jsonscan
