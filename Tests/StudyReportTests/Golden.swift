import Foundation
import Testing

/// Golden files under Tests/StudyReportTests/Golden/: the exact bytes a chart or document must
/// produce. Re-record after an intended change with `STUDYFLOW_RECORD_GOLDEN=1 swift test --filter
/// StudyReportTests`, then review the diff of Golden/ before committing.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var recording: Bool { ProcessInfo.processInfo.environment["STUDYFLOW_RECORD_GOLDEN"] == "1" }

    /// Compares `actual` with Golden/`name`, or records it when recording.
    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        let hint = "re-record with STUDYFLOW_RECORD_GOLDEN=1 swift test --filter StudyReportTests and review the diff of Tests/StudyReportTests/Golden/"
        if recording {
            try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try! Data(actual.utf8).write(to: url)
            return
        }
        guard let data = try? Data(contentsOf: url) else {
            Issue.record("golden file Golden/\(name) is missing; \(hint)", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var line = 0
        while line < min(e.count, a.count) && e[line] == a[line] { line += 1 }
        let expectedLine = line < e.count ? String(e[line]) : "<end of file>"
        let actualLine = line < a.count ? String(a[line]) : "<end of file>"
        Issue.record("""
            output differs from golden file Golden/\(name) at line \(line + 1):
              expected: \(expectedLine.prefix(300))
              actual:   \(actualLine.prefix(300))
            if the change is intended, \(hint)
            """, sourceLocation: sourceLocation)
    }
}
