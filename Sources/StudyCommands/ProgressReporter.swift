@preconcurrency import Dispatch
import StudyCore
import StudyEngine
import Synchronization

/// Human progress for `studyflow run`. Off a terminal: one plain line per finished stage (cached
/// stages included, so logs show everything). On a terminal: lines for stages that did something,
/// under a live status line (done/total, running stages, elapsed) redrawn in place.
final class ProgressReporter: RunObserver, @unchecked Sendable {
    private struct State {
        var total = 0
        var done = 0
        var running: [String] = []
        var start = 0.0
        var counts: [StageStatus: Int] = [:]
        var failures: [String] = []
        /// `warning: …` lines of the logs of stages that ran (a built-in stage's result that
        /// stands but needs care, e.g. a Cox coefficient that may be infinite), by stage.
        var warnings: [String] = []
        var statusLineShown = false
    }

    private let terminal: Bool
    private let state = Mutex(State())
    private let output = LineBuffer()
    private let ticker: (any DispatchSourceTimer)?

    /// A reporter writing to stderr (status line) and stdout (stage lines).
    init(terminal: Bool) {
        self.terminal = terminal
        if terminal {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
            ticker = timer
        } else {
            ticker = nil
        }
        ticker?.setEventHandler { [weak self] in self?.redraw() }
        ticker?.resume()
    }

    /// ` (7 instances of 'cox')` or ` (12 instances of 2 fan-outs)` when fan-out instances ran or
    /// were checked, else empty: the stage count alone would hide that 1,000 of them are one template.
    static func instanceCount(_ ids: some Sequence<String>) -> String {
        var templates: Set<String> = [], count = 0
        for id in ids { if let template = StageSelector.template(ofInstance: id) { templates.insert(template); count += 1 } }
        guard let first = templates.first else { return "" }
        let noun = count == 1 ? "instance" : "instances"
        return templates.count == 1 ? " (\(count) \(noun) of '\(first)')" : " (\(count) \(noun) of \(templates.count) fan-outs)"
    }

    /// The text after `warning: ` of each such line of a stage's log. Logs over 1 MiB (a command's
    /// own chatter, not a built-in stage's few lines) are not read.
    static func warnings(inLog path: String?) -> [String] {
        guard let path else { return [] }
        var info = stat()
        guard stat(path, &info) == 0, info.st_size <= 1 << 20 else { return [] }
        guard let text = FileIO.readText(path), text.contains("warning: ") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            line.hasPrefix("warning: ") ? String(line.dropFirst("warning: ".count)) : nil
        }
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .started(let info):
            state.withLock { $0.total = info.total; $0.start = SystemClock.monotonicSeconds() }
        case .stageStarted(let stage, _):
            state.withLock { if !$0.running.contains(stage) { $0.running.append(stage) } }
            redraw()
        case .stageFinished(let result):
            for warning in result.warnings { Console.err("studyflow: warning: \(warning)\n") }
            let warnings = result.status == .ran ? Self.warnings(inLog: result.logPath) : []
            let line = state.withLock { s -> String? in
                s.warnings += warnings.map { "stage '\(result.stage)': \($0)" }
                s.done += 1
                s.running.removeAll { $0 == result.stage }
                s.counts[result.status, default: 0] += 1
                if let failure = result.failure { s.failures.append(failure) }
                if terminal && result.status == .cached { return nil }
                return Self.line(for: result, done: s.done, total: s.total)
            }
            if let line { emit(line, urgent: result.status != .cached) }
            if !result.movedAside.isEmpty {
                clearStatusLine()
                for moved in result.movedAside { Console.err("studyflow: note: stage '\(result.stage)': \(moved)\n") }
            }
        case .finished(let summary):
            ticker?.cancel()
            output.flush()
            clearStatusLine()
            let (counts, failures) = state.withLock { ($0.counts, $0.failures) }
            for failure in failures { Console.err("studyflow: error: \(failure)\n") }
            for warning in state.withLock({ $0.warnings }) { Console.err("studyflow: warning: \(warning)\n") }
            let parts = StageStatus.allCases.compactMap { status in
                counts[status].map { "\($0) \(status.rawValue)" }
            }
            let total = summary.results.count
            let verdict = summary.outcome == .failed ? "FAILED" : summary.outcome.rawValue
            let stages = "\(total) stage\(total == 1 ? "" : "s")" + Self.instanceCount(summary.results.map(\.stage))
            Console.out("studyflow: \(stages): \(parts.joined(separator: ", ")) in \(format(summary.seconds)) — \(verdict)\n")
            if !summary.ok && !summary.interrupted {
                Console.err("studyflow: fix the failing stage and rerun 'studyflow run'; stages that succeeded stay cached\n")
            }
        }
    }

    /// `[3/12] ran      km  0.42s  (input data/raw.csv changed)`.
    static func line(for result: StageResult, done: Int, total: Int) -> String {
        let width = String(total).count
        let counter = "[" + String(repeating: " ", count: width - String(done).count) + "\(done)/\(total)]"
        var text = "\(counter) \(result.status.rawValue.padding(to: 8)) \(result.stage)"
        if result.status.didWork {
            text += "  " + format(result.seconds)
        }
        if !result.reasons.isEmpty { text += "  (" + ReasonText.joined(result.reasons) + ")" }
        return text + "\n"
    }

    private func emit(_ line: String, urgent: Bool) {
        if terminal {
            clearStatusLine()
            Console.out(line)
            redraw()
        } else {
            output.append(line, urgent: urgent)
        }
    }

    private func redraw() {
        guard terminal else { return }
        let text = state.withLock { s -> String in
            s.statusLineShown = true
            let running = s.running.prefix(3).joined(separator: ", ") + (s.running.count > 3 ? ", …" : "")
            return "[\(s.done)/\(s.total)] \(format(SystemClock.monotonicSeconds() - s.start))" + (running.isEmpty ? "" : "  running: \(running)")
        }
        Console.err("\r\u{1B}[K" + text)
    }

    private func clearStatusLine() {
        guard terminal else { return }
        let shown = state.withLock { s -> Bool in defer { s.statusLineShown = false }; return s.statusLineShown }
        if shown { Console.err("\r\u{1B}[K") }
    }
}

/// `0.42s`, `12.3s`, `2m05s`.
func format(_ seconds: Double) -> String {
    if seconds < 10 { return String(Double(Int(seconds * 100)) / 100) + "s" }
    if seconds < 60 { return String(Double(Int(seconds * 10)) / 10) + "s" }
    let m = Int(seconds) / 60, s = Int(seconds) % 60
    return "\(m)m" + (s < 10 ? "0" : "") + "\(s)s"
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
