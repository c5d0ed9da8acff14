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
        /// Stages whose jobs wait in the batch queue for a reason worth showing, by stage.
        var waiting: [String: String] = [:]
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
        // Most ids name no instance: the byte check skips the Character search for them.
        for id in ids where id.utf8.contains(UInt8(ascii: "@")) {
            if let template = StageSelector.template(ofInstance: id) { templates.insert(template); count += 1 }
        }
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
        case .stageNotes(let notes):
            let lines = state.withLock { s -> [String] in
                var changed: [StageNote] = []
                for note in notes {
                    guard case .queued(let reason) = note.kind else { changed.append(note); continue }
                    guard s.waiting[note.stage] != reason else { continue }
                    s.waiting[note.stage] = reason
                    if reason != nil { changed.append(note) }
                }
                return Self.noteLines(changed)
            }
            if !lines.isEmpty {
                clearStatusLine()
                for line in lines { Console.err(line) }
            }
            redraw()
        case .attemptFailed(let failure):
            // A retry is never silent: why the attempt failed and what the next one asks for.
            clearStatusLine()
            output.flush()
            Console.err("studyflow: \(failure)\n")
            redraw()
        case .stageFinished(let result):
            for warning in result.warnings { Console.err("studyflow: warning: \(warning)\n") }
            let warnings = result.status == .ran ? Self.warnings(inLog: result.logPath) : []
            let line = state.withLock { s -> String? in
                s.warnings += warnings.map { "stage '\(result.stage)': \($0)" }
                s.done += 1
                // Guarded: a no-op run reports 10,000 cached stages here, and hashing each name costs.
                if !s.running.isEmpty { s.running.removeAll { $0 == result.stage } }
                if !s.waiting.isEmpty { s.waiting[result.stage] = nil }
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

    /// Lines for stage notes: one per queue reason, naming up to three of the stages that started
    /// waiting for it (an array of 1,000 tasks on a DOWN node is one line).
    static func noteLines(_ notes: [StageNote]) -> [String] {
        var byReason: [String: [String]] = [:], reasons: [String] = []
        for note in notes {
            switch note.kind {
            case .queued(let reason?):
                if byReason[reason] == nil { reasons.append(reason) }
                byReason[reason, default: []].append(note.stage)
            case .queued(nil):
                continue
            }
        }
        let queued = reasons.map { reason -> String in
            let stages = byReason[reason]!
            let named = stages.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            let who = stages.count == 1 ? "stage \(named) waits"
                : stages.count > 3 ? "stages \(named) and \(stages.count - 3) more wait" : "stages \(named) wait"
            return "studyflow: note: \(who) in the batch queue: \(reason)\n"
        }
        return queued
    }

    /// What a note says, after the stage's name.
    static func describe(_ kind: StageNote.Kind) -> String {
        switch kind {
        case .queued(let reason?):
            return "waits in the batch queue: \(reason)"
        case .queued(nil):
            return "no longer waits in the batch queue"
        }
    }

    /// The live status line: `[3/12] 5.2s  running: a, b, c, …  waiting: 4 (ReqNodeNotAvail)`;
    /// the reason shown is the one most waiting stages share.
    static func statusLine(done: Int, total: Int, elapsed: Double, running: [String], waiting: [String: String]) -> String {
        let names = running.prefix(3).joined(separator: ", ") + (running.count > 3 ? ", …" : "")
        var text = "[\(done)/\(total)] \(format(elapsed))" + (names.isEmpty ? "" : "  running: \(names)")
        guard !waiting.isEmpty else { return text }
        var counts: [String: Int] = [:]
        for reason in waiting.values { counts[reason, default: 0] += 1 }
        let top = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
        let shown = top.count > 48 ? String(top.prefix(47)) + "…" : top
        text += "  waiting: \(waiting.count) (\(shown))"
        return text
    }

    /// `[3/12] ran      km  0.42s  (input data/raw.csv changed)`.
    /// Built in one buffer: off a terminal a no-op run of 10,000 stages prints 10,000 of these.
    static func line(for result: StageResult, done: Int, total: Int) -> String {
        let doneText = String(done), totalText = String(total), status = result.status.rawValue
        var text = ""
        text.reserveCapacity(totalText.utf8.count * 2 + status.utf8.count + result.stage.utf8.count + 16)
        text += "["
        for _ in 0..<max(0, totalText.count - doneText.count) { text += " " }
        text += doneText
        text += "/"
        text += totalText
        text += "] "
        text += status
        for _ in 0..<max(0, 8 - status.count) { text += " " }
        text += " "
        text += result.stage
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
            return Self.statusLine(done: s.done, total: s.total, elapsed: SystemClock.monotonicSeconds() - s.start,
                                   running: s.running, waiting: s.waiting)
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
