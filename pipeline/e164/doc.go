// Package e164 owns phone-number normalisation: a Mapper turns a number in
// any common notation into E.164 (+27821234567), reading numbers without a
// country code in a default region, with libphonenumber's (nyaruka's
// phonenumbers) verdict on validity. A fast path compiles the library's
// patterns once per country code and region (to digit automata: a table
// lookup per digit, where a regexp match cost ten times more) and is checked
// against the library by tests and fuzzing; anything unusual falls back to
// the library.
package e164
