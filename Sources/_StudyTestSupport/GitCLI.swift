import Foundation

/// The real git command line, as an independent reader of what libgit2 wrote.
public enum GitCLI {
    public struct Output {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `git ARGS` in `directory` and waits (output through files, never an undrained pipe).
    @discardableResult
    public static func run(_ arguments: [String], in directory: String) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "test"; env["GIT_AUTHOR_EMAIL"] = "test@example.org"
        env["GIT_COMMITTER_NAME"] = "test"; env["GIT_COMMITTER_EMAIL"] = "test@example.org"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        process.environment = env
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("git-out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("git-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// `git init` with one commit of everything in `directory`.
    public static func initRepository(_ directory: String) throws {
        try run(["init", "-q", "-b", "main"], in: directory)
        try run(["add", "-A"], in: directory)
        try run(["commit", "-q", "-m", "initial"], in: directory)
    }

    /// Every byte git keeps about the work tree's state: HEAD, the index file and the porcelain status.
    public static func state(_ directory: String) throws -> String {
        let head = try run(["rev-parse", "HEAD"], in: directory).stdout
        let headRef = (try? String(contentsOfFile: directory + "/.git/HEAD", encoding: .utf8)) ?? ""
        let index = (FileManager.default.contents(atPath: directory + "/.git/index") ?? Data()).base64EncodedString()
        let status = try run(["status", "--porcelain", "--untracked-files=all"], in: directory).stdout
        return [head, headRef, index, status].joined(separator: "\n--\n")
    }
}
