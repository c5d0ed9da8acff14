import Foundation
import Testing
import _StudyTestSupport

/// DESIGN.md section 3: a crash at any instant leaves a store the next run trusts and completes.
/// `kill -9` a run at many points; the rerun must succeed and match an uninterrupted run byte for byte.
@Suite("kill -9 at any point")
struct CrashConsistencyTests {
    /// Stages write their outputs in pieces, slowly, so kills land mid-write too.
    static let workflow = """
    name: crash
    stages:
      source:
        run: seq 1 2000 > ${outputs.numbers}; sleep 0.03; seq 2001 4000 >> ${outputs.numbers}
        outputs: {numbers: results/numbers.txt}
      square:
        run: awk '{ print $1 * $1 }' ${inputs} > ${outputs.out}; sleep 0.02
        inputs: [results/numbers.txt]
        outputs: {out: results/square.txt}
      cube:
        run: awk '{ print $1 * $1 * $1 }' ${inputs} > ${outputs.out}; sleep 0.02
        inputs: [results/numbers.txt]
        outputs: {out: results/cube.txt}
      split:
        run: mkdir -p ${outputs.dir}; split -l 500 ${inputs} ${outputs.dir}/part-; sleep 0.02
        inputs: [results/square.txt]
        outputs: {dir: results/parts/}
      sums:
        run: for f in ${inputs.dir}/*; do awk '{ s += $1 } END { print s }' "$f"; sleep 0.005; done > ${outputs.out}
        inputs: {dir: results/parts/}
        outputs: {out: results/sums.txt}
      join:
        run: paste ${inputs.a} ${inputs.b} > ${outputs.out}; sleep 0.02; cksum ${outputs.out} >> ${outputs.log}
        inputs: {a: results/square.txt, b: results/cube.txt}
        outputs: {out: results/joined.txt, log: results/join.log}
      total:
        run: cat ${inputs} | cksum > ${outputs.out}
        inputs: [results/sums.txt, results/joined.txt]
        outputs: {out: results/total.txt}

    """

    @Test("killed at 14 points, every rerun completes with the uninterrupted run's bytes")
    func killNine() throws {
        let reference = TemporaryDirectory()
        reference.write("Workflows/main.yaml", Self.workflow)
        let started = Date()
        #expect(try CLI.run(["run", "-C", reference.path, "-j", "2"]).status == 0)
        let duration = Date().timeIntervalSince(started)
        let expected = CLI.snapshot(reference.path)
        #expect(expected.count == 15)

        for point in 0..<14 {
            let dir = TemporaryDirectory()
            dir.write("Workflows/main.yaml", Self.workflow)
            // A first partial run for later points, so kills also hit a store that already has records.
            // The edit keeps the bytes, so early cutoff must carry the old records through.
            if point % 3 == 2 {
                #expect(try CLI.run(["run", "-C", dir.path, "--until", "square"]).status == 0)
                dir.write("Workflows/main.yaml", Self.workflow.replacingOccurrences(
                    of: "seq 1 2000 > ${outputs.numbers}", with: "(seq 1 1999; echo 2000) > ${outputs.numbers}"))
            }
            let run = try CLI.start(["run", "-C", dir.path, "-j", "2"])
            let delay = duration * Double(point) / 12.0
            usleep(useconds_t(delay * 1_000_000))
            kill(run.pid, SIGKILL)
            _ = run.wait()
            // Orphaned stage processes finish their short commands before the rerun.
            usleep(300_000)
            let rerun = try CLI.run(["run", "-C", dir.path, "-j", "2"])
            #expect(rerun.status == 0, "kill point \(point): \(rerun.stderr)")
            #expect(CLI.snapshot(dir.path) == expected, "kill point \(point): outputs differ")
            let third = try CLI.run(["run", "-C", dir.path, "--json"])
            #expect(third.stdout.contains("\"ran\":[]"), "kill point \(point): \(third.stdout)")
        }
    }
}
