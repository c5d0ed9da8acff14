import StudyCore
import Testing

@Suite("Spelling")
struct SpellingTests {
    @Test("a one-letter typo finds the intended key")
    func oneTypo() {
        #expect(Spelling.suggestion(for: "ouputs", among: WorkflowLoader.stageKeys) == "outputs")
        #expect(Spelling.suggestion(for: "thread", among: WorkflowLoader.stageKeys) == "threads")
        #expect(Spelling.suggestion(for: "stage", among: WorkflowLoader.workflowKeys) == "stages")
    }

    @Test("the closest candidate wins over an earlier, farther one")
    func closestWins() {
        #expect(Spelling.suggestion(for: "outpts", among: ["inputs", "outputs"]) == "outputs")
    }

    @Test("on a tie the alphabetically first candidate wins, whatever the order")
    func tieGoesToAlphabeticallyFirst() {
        #expect(Spelling.suggestion(for: "c", among: ["a", "b"]) == "a")
        #expect(Spelling.suggestion(for: "c", among: ["b", "a"]) == "a")
    }

    @Test("names too far from every candidate get no suggestion")
    func tooFar() {
        #expect(Spelling.suggestion(for: "zzzzzz", among: WorkflowLoader.stageKeys) == nil)
        #expect(Spelling.suggestion(for: "x", among: []) == nil)
        // Short names allow one edit: 'ab' → 'xy' is two.
        #expect(Spelling.suggestion(for: "ab", among: ["xy"]) == nil)
        #expect(Spelling.suggestion(for: "ab", among: ["ax"]) == "ax")
    }

    @Test("an exact match is its own suggestion")
    func exactMatch() {
        #expect(Spelling.suggestion(for: "run", among: ["uses", "run"]) == "run")
    }

    @Test("distance counts Unicode scalars, not bytes")
    func unicode() {
        #expect(Spelling.suggestion(for: "résumé", among: ["resume"]) == "resume")
    }

    @Test("the hint is a ready-made clause or nothing")
    func hint() {
        #expect(Spelling.hint(for: "ouputs", among: ["outputs"]) == "; did you mean 'outputs'?")
        #expect(Spelling.hint(for: "zzzzzz", among: ["outputs"]) == "")
    }
}
