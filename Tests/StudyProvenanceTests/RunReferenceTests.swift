import StudyCore
import Testing
@testable import StudyProvenance

/// Run references as `diff` and `log --stage` read them.
@Suite("run references")
struct RunReferenceTests {
    static func run(_ number: Int, id: String, commit: String) -> LoggedRun {
        var record = RunRecord(run: number, workflow: .init(file: "Workflows/main.yaml", digest: Digest.of(string: ""), name: "w"),
                               timing: .init(started: 1_700_000_000 + Double(number) * 60, finished: 0),
                               agent: .init(studyflowVersion: "t", host: "h"), source: .init(commit: nil, dirty: nil),
                               outcome: .ok, stages: .init(counts: [:]))
        record.id = id
        return LoggedRun(commit: GitOID(hex: commit)!, record: record)
    }

    static let runs = [
        run(3, id: "cccc1111-0000-4000-8000-000000000000", commit: String(repeating: "c3", count: 20)),
        run(2, id: "bbbb2222-0000-4000-8000-000000000000", commit: String(repeating: "b2", count: 20)),
        run(1, id: "bbbb3333-0000-4000-8000-000000000000", commit: String(repeating: "a1", count: 20)),
    ]

    @Test("HEAD, HEAD~N, HEAD^ and HEAD~ count runs back from the latest; anything else is not an offset")
    func offsets() {
        #expect(RunReference.offset("HEAD") == 0)
        #expect(RunReference.offset("HEAD~2") == 2)
        #expect(RunReference.offset("head^^") == 2)
        #expect(RunReference.offset("HEAD~") == 1)
        #expect(RunReference.offset("HEAD~1^") == 2)
        #expect(RunReference.offset("HEADS") == nil)
        #expect(RunReference.offset("HEAD~x") == nil)
        #expect(RunReference.offset("HEAD~99999999999") == nil)
        #expect(RunReference.offset("3") == nil)
    }

    @Test("numbers, offsets, run id and commit prefixes all name the same runs")
    func resolve() throws {
        #expect(try RunReference.resolve("2", in: Self.runs).record.run == 2)
        #expect(try RunReference.resolve("HEAD~2", in: Self.runs).record.run == 1)
        #expect(try RunReference.resolve("HEAD", in: Self.runs).record.run == 3)
        #expect(try RunReference.resolve("cccc", in: Self.runs).record.run == 3)
        #expect(try RunReference.resolve("a1a1a1", in: Self.runs).record.run == 1)
    }

    @Test("an unknown reference lists the runs that exist and says how to name one")
    func unknown() {
        #expect(throws: RunReferenceError.self) { try RunReference.resolve("HEAD~3", in: Self.runs) }
        do {
            _ = try RunReference.resolve("7", in: Self.runs)
            Issue.record("run 7 resolved")
        } catch {
            #expect(error.description == "no run '7' in this workspace's history; its runs are "
                + "run 3 (id cccc1111, 2023-11-14T22:16:20Z), run 2 (id bbbb2222, 2023-11-14T22:15:20Z), run 1 (id bbbb3333, 2023-11-14T22:14:20Z); "
                + "give a run number, HEAD~N (N runs before the latest) or a prefix of a run id or commit id (see 'studyflow log')")
        }
    }

    @Test("a prefix fitting several runs is ambiguous, never a guess")
    func ambiguous() {
        do {
            _ = try RunReference.resolve("bbbb", in: Self.runs)
            Issue.record("bbbb resolved")
        } catch {
            #expect(error == .ambiguous("bbbb", candidates: [Self.runs[1].label, Self.runs[2].label]))
        }
    }
}
