import Foundation
import Testing
@testable import StudyProvenance

/// The line diff behind `diff --text` and the "12 rows edited" summaries.
@Suite("unified diff")
struct UnifiedDiffTests {
    @Test("a changed line in the middle gives one hunk with three lines of context, as diff -u")
    func oneHunk() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
        #expect(UnifiedDiff(old: old, new: new).unified(oldName: "a/x.txt", newName: "b/x.txt") == """
        --- a/x.txt
        +++ b/x.txt
        @@ -2,7 +2,7 @@
         line 2
         line 3
         line 4
        -line 5
        +line five
         line 6
         line 7
         line 8

        """)
    }

    @Test("changes far apart give separate hunks; an addition at the start and the end are placed right")
    func hunks() {
        let old = (1...20).map(String.init).joined(separator: "\n") + "\n"
        let new = "0\n" + old + "21\n"
        #expect(UnifiedDiff(old: old, new: new).unified(oldName: "a", newName: "b") == """
        --- a
        +++ b
        @@ -1,3 +1,4 @@
        +0
         1
         2
         3
        @@ -18,3 +19,4 @@
         18
         19
         20
        +21

        """)
    }

    @Test("counts pair removals with additions as edits; the rest are added or removed rows")
    func counts() {
        let old = "h\na\nb\nc\nd\n"
        let new = "h\nA\nB\nc\nx\ny\nd\n"
        let c = UnifiedDiff(old: old, new: new).counts
        #expect(c.edited == 2 && c.added == 2 && c.removed == 0)
        let gone = UnifiedDiff(old: old, new: "h\nd\n").counts
        #expect(gone.edited == 0 && gone.added == 0 && gone.removed == 3)
        #expect(UnifiedDiff(old: old, new: old).isEmpty)
        #expect(UnifiedDiff(old: old, new: old).unified(oldName: "a", newName: "b") == "")
    }

    @Test("a rewrite beyond the edit limit is still a correct diff: every old line removed, every new one added")
    func rewrite() {
        let old = (0..<3000).map { "a\($0)" }.joined(separator: "\n") + "\n"
        let new = (0..<3000).map { "b\($0)" }.joined(separator: "\n") + "\n"
        let diff = UnifiedDiff(old: old, new: new)
        #expect(diff.counts.edited == 3000)
        let text = diff.unified(oldName: "a", newName: "b")
        #expect(text.hasPrefix("--- a\n+++ b\n@@ -1,3000 +1,3000 @@\n-a0\n"))
        #expect(text.split(separator: "\n").count == 3 + 6000)
    }
}
