#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Synchronization

/// Finds the host programs stages call and what they are: each name is looked up through the
/// stages' PATH once per run, each distinct file hashed once per run through the stat cache
/// (an unchanged binary is not re-read) and asked `--version` once ever (`ToolVersions`).
///
/// Stages that list `tools:` get those digests in their key; every stage that runs records
/// every program its command calls (see `CommandPrograms`).
public final class ToolResolver: Sendable {
    /// Where a name was looked for and what was found.
    struct Lookup {
        /// Every PATH candidate tried, up to and including the one found (the snapshot watches them).
        var candidates: [String]
        var found: String?
    }

    private struct State {
        var lookups: [String: Lookup] = [:]
        var files: [String: ToolState?] = [:]
        /// The `#!` interpreter of each host program read so far, read once a run as its digest is.
        var interpreters: [String: String?] = [:]
        var watched: Set<String> = []
        /// Every distinct list `used(by:listed:)` returned: stages calling the same programs share one.
        var lists: Set<[ToolState]> = []
    }

    /// The workspace root: relative PATH entries and scripts are read from it.
    public let root: String
    /// The stages' PATH.
    public let searchPath: String
    private let statCache: StatCache
    private let versions: ToolVersions
    private let state = Mutex(State())
    private let firstSighting = Mutex(())

    /// sh's PATH when none is set.
    public static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// A resolver for stages run in `root` with `searchPath` (nil: the default).
    public init(root: String, searchPath: String?, statCache: StatCache, versions: ToolVersions) {
        self.root = root
        self.searchPath = searchPath ?? Self.defaultSearchPath
        self.statCache = statCache
        self.versions = versions
    }

    /// The listed tools of `stage`, for its key; throws when one cannot be found.
    public func listed(_ stage: Stage) throws(ToolError) -> [ToolState] {
        var tools: [ToolState] = []
        for name in stage.tools {
            guard let tool = tool(named: name, listed: true) else {
                throw ToolError(stage: stage.id, tool: name, searchPath: searchPath)
            }
            tools.append(tool)
        }
        return tools
    }

    /// Every program `stage` calls, listed ones first (as in `listed`), then the rest of its
    /// command's programs and the interpreters of scripts, each once; programs not found are left out.
    public func used(by stage: Stage, listed: [ToolState]) -> [ToolState] {
        guard case .shell(let template) = stage.action else { return listed }
        var tools = listed
        var names = Set(listed.map(\.name))
        func add(_ tool: ToolState?) {
            guard let tool, names.insert(tool.name).inserted else { return }
            tools.append(tool)
        }
        for program in CommandPrograms.of(template) {
            switch program {
            case .name(let name), .path(let name):
                let tool = self.tool(named: name, listed: false)
                add(tool)
                if let tool, let interpreter = interpreter(ofProgram: tool.path) { add(self.tool(named: interpreter, listed: false)) }
            case .script(let path):
                if let interpreter = Self.interpreter(ofFile: root + "/" + path) { add(self.tool(named: interpreter, listed: false)) }
            }
        }
        return interned(tools)
    }

    /// The interpreter of the host program at `path`, read once a run (not a workspace script's,
    /// which a stage of the run may write): a cold run of 10,000 stages calling `cat` read its
    /// first bytes 10,000 times.
    private func interpreter(ofProgram path: String) -> String? {
        if let known = state.withLock({ $0.interpreters[path] }) { return known }
        let interpreter = Self.interpreter(ofFile: path)
        state.withLock { $0.interpreters[path] = .some(interpreter) }
        return interpreter
    }

    /// `tools`, or the equal list returned before: the list goes into the stage's record, which
    /// the run keeps until its ledger is written, and 10,000 stages calling `cat` and `cksum`
    /// kept 10,000 copies of the same two entries.
    private func interned(_ tools: [ToolState]) -> [ToolState] {
        guard !tools.isEmpty else { return tools }
        return state.withLock { state in
            if let known = state.lists.firstIndex(of: tools) { return state.lists[known] }
            state.lists.insert(tools)
            return tools
        }
    }

    /// `name` (a bare name through PATH, or an absolute path) resolved, hashed and asked its version.
    public func tool(named name: String, listed: Bool) -> ToolState? {
        let lookup = self.lookup(name)
        if listed { state.withLock { $0.watched.formUnion(lookup.candidates) } }
        guard let found = lookup.found, var tool = file(found) else { return nil }
        tool.name = name
        tool.listed = listed
        return tool
    }

    /// The PATH candidates of every listed tool resolved so far: a file appearing, vanishing or
    /// changing at one of them changes what the key would be, so the no-op snapshot watches them.
    public var watchedPaths: [String] { state.withLock { $0.watched.sorted() } }

    /// Saves the version table (after a run).
    public func save() { try? versions.save() }

    private func lookup(_ name: String) -> Lookup {
        if let known = state.withLock({ $0.lookups[name] }) { return known }
        var lookup = Lookup(candidates: [], found: nil)
        if name.hasPrefix("/") {
            lookup.candidates = [name]
            if Self.isExecutableFile(name) { lookup.found = name }
        } else {
            for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
                // An empty entry is the working directory, which for a stage is the workspace root.
                let base = directory.isEmpty ? root : (directory.hasPrefix("/") ? String(directory) : root + "/" + directory)
                let candidate = base + "/" + name
                lookup.candidates.append(candidate)
                if Self.isExecutableFile(candidate) { lookup.found = candidate; break }
            }
        }
        state.withLock { $0.lookups[name] = lookup }
        return lookup
    }

    /// The file's resolved path, digest and version, once per run per file. First sightings are
    /// serialized, so two stages starting at once never ask the same binary `--version` twice.
    private func file(_ path: String) -> ToolState? {
        if let known = state.withLock({ $0.files[path] }) { return known }
        return firstSighting.withLock { _ in
            if let known = state.withLock({ $0.files[path] }) { return known }
            return examine(path)
        }
    }

    private func examine(_ path: String) -> ToolState? {
        let tool = Self.resolvedPath(path).flatMap { real -> ToolState? in
            guard let digest = digest(of: real) else { return nil }
            let version = versions.line(for: digest) ?? {
                let line = VersionProbe.firstLine(of: real, searchPath: searchPath)
                versions.remember(line, for: digest)
                return line
            }()
            return ToolState(name: path, path: real, digest: digest, version: version, listed: false)
        }
        state.withLock { $0.files[path] = .some(tool) }
        return tool
    }

    private func digest(of real: String) -> Digest? {
        guard let stat = FileStat.following(real), stat.kind == .file else { return nil }
        if let digest = statCache.digest(of: real, stat: stat) { return digest }
        guard let hashed = try? FileHasher.hash(real) else { return nil }
        let digest = hashed.0
        statCache.remember(real, stat: stat, digest: digest)
        return digest
    }

    static func isExecutableFile(_ path: String) -> Bool {
        guard let stat = FileStat.following(path), stat.kind == .file else { return false }
        return access(path, X_OK) == 0
    }

    static func resolvedPath(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }

    /// The interpreter a `#!` line names: `#!/usr/bin/env python3` gives `python3` (through
    /// PATH, `env -S` and options skipped), `#!/bin/bash -e` gives `/bin/bash`; nil without one.
    static func interpreter(ofFile path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 256) }
        guard count > 2 else { return nil }
        return interpreter(inFirstLine: bytes[0..<count])
    }

    static func interpreter(inFirstLine bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.starts(with: Array("#!".utf8)) else { return nil }
        let line = bytes.dropFirst(2).prefix { $0 != UInt8(ascii: "\n") }
        let words = String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let first = words.first, first.hasPrefix("/") else { return nil }
        guard first.split(separator: "/").last == "env" else { return first }
        return words.dropFirst().first { !$0.hasPrefix("-") && !CommandPrograms.isAssignment($0) }
    }
}

/// A listed tool that is not on the stages' PATH.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var stage: String
    public var tool: String
    public var searchPath: String

    public var description: String {
        if tool.hasPrefix("/") {
            return "tool '\(tool)' of stage '\(stage)' does not exist or is not executable; install it or fix 'tools'"
        }
        return "tool '\(tool)' of stage '\(stage)' is not on PATH (\(searchPath)); install it, fix PATH or remove it from 'tools'"
    }
}
