import Foundation
import StudyCore

/// Runs the built `studyflow` executable as a user would, capturing its output.
enum CLI {
    /// The executable under test: `$STUDYFLOW_BINARY`, else the debug build beside the tests.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["STUDYFLOW_BINARY"] { return path }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/studyflow").path
    }

    /// The package root (for `Workflows/examples`).
    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `studyflow ARGS` to completion, in `directory` when given (else the test's own).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws -> Result {
        let process = try start(arguments, environment: environment, in: directory)
        return process.wait()
    }

    /// A running `studyflow` process.
    final class Running: @unchecked Sendable {
        let process: Process
        let out: URL
        let err: URL

        init(process: Process, out: URL, err: URL) {
            self.process = process
            self.out = out
            self.err = err
        }

        func wait() -> Result {
            process.waitUntilExit()
            let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
            return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
        }

        var pid: Int32 { process.processIdentifier }

        /// Current stderr contents (for "waiting…" messages).
        var stderrSoFar: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    }

    /// Starts `studyflow ARGS` with output going to temp files (never an undrained pipe).
    static func start(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("studyflow-out-\(UUID().uuidString)")
        let err = tmp.appendingPathComponent("studyflow-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, out: out, err: err)
    }

    /// Copies `Workflows/examples/NAME` into `directory`.
    static func copyExample(_ name: String, to directory: String) throws {
        let source = packageRoot + "/Workflows/examples/" + name
        for item in try FileManager.default.contentsOfDirectory(atPath: source) where item != "results" && item != ".studyflow" {
            try FileManager.default.copyItem(atPath: source + "/" + item, toPath: directory + "/" + item)
        }
    }

    /// Every file under `directory/sub`, relative path → bytes.
    static func snapshot(_ directory: String, _ sub: String = "results") -> [String: Data] {
        var result: [String: Data] = [:]
        let base = directory + "/" + sub
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [:] }
        while let item = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[item] = FileManager.default.contents(atPath: base + "/" + item)
            }
        }
        return result
    }
}
