package e164

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// digitDFA decides a regexp on strings of ASCII digits with one table
// lookup per digit: the deterministic automaton of the regexp's program
// over the alphabet 0-9, built once by subset construction. A boolean
// match does not depend on the regexp's match priorities, so the automaton
// answers exactly what the regexp does for digit strings.
type digitDFA struct {
	next   [][10]int32 // state -> digit -> state; dead is -1
	accept []bool      // the regexp has matched the digits read so far
}

// maxDFAStates bounds the automaton of one pattern; a pattern that needs
// more keeps its regexp.
const maxDFAStates = 4096

// newDigitDFA builds the automaton of pattern (no anchors in it: the
// automaton reads from the start of the input); nil when the pattern has
// empty-width assertions or needs more than maxDFAStates states.
func newDigitDFA(pattern string) *digitDFA {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth {
			return nil
		}
	}
	b := dfaBuilder{prog: prog, index: map[string]int32{}}
	b.state(b.closure(nil, uint32(prog.Start)))
	for s := 0; s < len(b.sets); s++ {
		for digit := range 10 {
			var set []uint32
			for _, pc := range b.sets[s] {
				if b.consumes(pc, rune('0'+digit)) {
					set = b.closure(set, prog.Inst[pc].Out)
				}
			}
			next := int32(-1)
			if len(set) > 0 {
				if next = b.state(set); len(b.sets) > maxDFAStates {
					return nil
				}
			}
			b.dfa.next[s][digit] = next
		}
	}
	return &b.dfa
}

type dfaBuilder struct {
	prog  *syntax.Prog
	dfa   digitDFA
	sets  [][]uint32 // per state: the program counters it stands for
	index map[string]int32
}

// closure adds pc and every instruction reachable from it without reading
// a rune to set (each once, so empty loops end).
func (b *dfaBuilder) closure(set []uint32, pc uint32) []uint32 {
	if slices.Contains(set, pc) {
		return set
	}
	set = append(set, pc)
	switch in := &b.prog.Inst[pc]; in.Op {
	case syntax.InstAlt, syntax.InstAltMatch:
		return b.closure(b.closure(set, in.Out), in.Arg)
	case syntax.InstCapture, syntax.InstNop:
		return b.closure(set, in.Out)
	}
	return set
}

// consumes reports that the instruction at pc reads r.
func (b *dfaBuilder) consumes(pc uint32, r rune) bool {
	in := &b.prog.Inst[pc]
	switch in.Op {
	case syntax.InstRune1:
		return r == in.Rune[0]
	case syntax.InstRune:
		return in.MatchRune(r)
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return true
	}
	return false
}

// state returns the state of a set of instructions, adding it when new.
func (b *dfaBuilder) state(set []uint32) int32 {
	slices.Sort(set)
	var key strings.Builder
	for _, pc := range set {
		key.WriteString(strconv.FormatUint(uint64(pc), 36))
		key.WriteByte(',')
	}
	if s, ok := b.index[key.String()]; ok {
		return s
	}
	s := int32(len(b.sets))
	b.index[key.String()] = s
	b.sets = append(b.sets, set)
	b.dfa.next = append(b.dfa.next, [10]int32{})
	b.dfa.accept = append(b.dfa.accept, slices.ContainsFunc(set, func(pc uint32) bool { return b.prog.Inst[pc].Op == syntax.InstMatch }))
	return s
}

// fullMatch reports that the whole of digits matches (a regexp anchored at
// both ends); ok is false for input that is not all digits.
func fullMatch(d *digitDFA, digits []byte) (match, ok bool) {
	s := int32(0)
	for i := 0; i < len(digits); i++ {
		c := digits[i] - '0'
		if c > 9 {
			return false, false
		}
		if s = d.next[s][c]; s < 0 {
			return false, true
		}
	}
	return d.accept[s], true
}

// prefixMatch reports that some prefix of digits matches (a regexp
// anchored at the start only); ok is false for input that is not all
// digits.
func prefixMatch(d *digitDFA, digits []byte) (match, ok bool) {
	s := int32(0)
	for i := 0; i < len(digits); i++ {
		if d.accept[s] {
			return true, true
		}
		c := digits[i] - '0'
		if c > 9 {
			return false, false
		}
		if s = d.next[s][c]; s < 0 {
			return false, true
		}
	}
	return d.accept[s], true
}

// digitPattern is a metadata pattern, anchored at the start and, when
// whole, at the end: decided by its automaton for digit strings, else by
// its regexp.
type digitPattern struct {
	re    *regexp.Regexp
	dfa   *digitDFA
	whole bool
}

func compilePattern(pattern string, whole bool) (*digitPattern, error) {
	anchored := "^(?:" + pattern + ")"
	if whole {
		anchored += "$"
	}
	re, err := regexp.Compile(anchored)
	if err != nil {
		return nil, err
	}
	return &digitPattern{re: re, dfa: newDigitDFA("(?:" + pattern + ")"), whole: whole}, nil
}

// matches reports that b matches the pattern.
func (p *digitPattern) matches(b []byte) bool {
	if p.dfa != nil {
		if m, ok := p.dfaMatch(b); ok {
			return m
		}
	}
	return p.re.MatchString(string(b)) // a copy, so b can stay on the caller's stack
}

// dfaMatch is the automaton's answer; ok is false for input that is not
// all digits.
func (p *digitPattern) dfaMatch(b []byte) (match, ok bool) {
	if p.whole {
		return fullMatch(p.dfa, b)
	}
	return prefixMatch(p.dfa, b)
}
