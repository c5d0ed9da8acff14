#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// A full check of a workspace's store, for `studyflow fsck` and `studyflow gc`: re-hashes every
/// object and quarantines those whose bytes no longer match their name, removes partial temp
/// files left by a full disk or a `kill -9` (in `.studyflow/` and beside recorded outputs), stores a missing object again when the workspace
/// still holds its output, and lists the other action records that name missing objects (a run
/// ignores those and reruns the stage).
///
/// The caller holds the workspace lock, so no run is writing; a temp file whose writer (the pid in
/// its name, `.tmp-PID-N-NAME`) is still alive is left alone all the same (e.g. `status` saving
/// the stat cache).
public struct StoreCheck: Sendable {
    /// What the check found and did.
    public struct Findings: Sendable {
        /// Objects re-hashed.
        public var objectsChecked = 0
        /// Action records looked at.
        public var recordsChecked = 0
        /// Corrupt objects: workspace-relative path, and where it was moved (`nil`: deleted, or left when not repairing).
        public var corrupt: [(object: String, movedTo: String?)] = []
        /// Partial temp files removed (or, when not repairing, found), workspace-relative.
        public var temporaries: [String] = []
        /// Temp files left alone because the process writing them is alive.
        public var inUse: [String] = []
        /// Missing objects stored again from the workspace copy of the output: one line each.
        public var restocked: [String] = []
        /// Records that name missing objects: one line each.
        public var unusableRecords: [String] = []
        /// Problems that could not be fixed.
        public var unfixed: [String] = []

        /// Whether anything needed attention.
        public var isClean: Bool {
            corrupt.isEmpty && temporaries.isEmpty && restocked.isEmpty && unusableRecords.isEmpty && unfixed.isEmpty
        }
    }

    /// The store's paths.
    public let layout: StoreLayout

    /// A check of the store of `layout`.
    public init(layout: StoreLayout) { self.layout = layout }

    /// Runs the check; with `repair`, corrupt objects are quarantined and partial temp files removed.
    public func run(records: [ActionRecord], repair: Bool) -> Findings {
        var findings = Findings()
        sweepTemporaries(repair: repair, into: &findings)
        sweepOutputTemporaries(records: records, repair: repair, into: &findings)
        verifyObjects(repair: repair, into: &findings)
        checkRecords(records, repair: repair, into: &findings)
        return findings
    }

    private func verifyObjects(repair: Bool, into findings: inout Findings) {
        let objects = ObjectStore(layout: layout)
        for digest in objects.allObjects() {
            findings.objectsChecked += 1
            let path = layout.relative(layout.object(digest))
            switch objects.verify(digest) {
            case true?:
                continue
            case false?:
                guard repair else {
                    findings.corrupt.append((path, nil))
                    continue
                }
                let moved = objects.quarantine(digest)
                if moved == nil, objects.contains(digest) {
                    findings.unfixed.append("cannot move or delete corrupt object '\(path)'; check the permissions of '.studyflow/objects'")
                }
                findings.corrupt.append((path, moved.map(layout.relative)))
            case nil:
                continue  // removed while listing: nothing to check
            }
        }
    }

    /// Removes `.tmp-PID-N-…` files under `.studyflow/` (top level, `objects/`, its fan-out
    /// directories, `workflows/`) whose writer is no longer alive.
    private func sweepTemporaries(repair: Bool, into findings: inout Findings) {
        var directories = [layout.stateDirectory, layout.objectsDirectory, layout.workflowsDirectory]
        for prefix in (try? FileIO.listDirectory(layout.objectsDirectory)) ?? [] where prefix.utf8.count == 2 {
            directories.append(layout.objectsDirectory + "/" + prefix)
        }
        for directory in directories {
            for name in (try? FileIO.listDirectory(directory)) ?? [] {
                guard let pid = Self.writer(ofTemporary: name) else { continue }
                let path = directory + "/" + name
                guard FileStat.of(path)?.kind == .file else { continue }
                if pid != getpid() && Self.isAlive(pid) {
                    findings.inUse.append(layout.relative(path))
                    continue
                }
                if repair && unlink(path) != 0 && errno != ENOENT {
                    findings.unfixed.append("cannot remove partial temp file '\(layout.relative(path))': \(String(cString: strerror(errno)))")
                    continue
                }
                findings.temporaries.append(layout.relative(path))
            }
        }
    }

    /// Removes temp files a killed restore or stage left beside recorded outputs: `.tmp-PID-N-NAME`
    /// next to the output `NAME`, and any `.tmp-PID-N-…` inside a directory output. Directories are
    /// opened without leaving the workspace (`WorkspaceDirectory`).
    private func sweepOutputTemporaries(records: [ActionRecord], repair: Bool, into findings: inout Findings) {
        var seen: Set<String> = []
        for output in records.flatMap(\.outputs) where seen.insert(output.path).inserted {
            let parent = WorkspacePath.directory(of: output.path) ?? ""
            let name = WorkspacePath.lastComponent(of: output.path)
            sweep(parent, repair: repair, into: &findings) { $0.hasSuffix("-" + name) }
            if output.isDirectory { sweepTree(output.path, repair: repair, into: &findings) }
        }
    }

    private func sweepTree(_ path: String, repair: Bool, into findings: inout Findings) {
        var pending = [path]
        while let directory = pending.popLast() {
            for name in (try? FileIO.listDirectory(layout.absolute(directory))) ?? [] {
                if FileStat.of(layout.absolute(directory + "/" + name))?.kind == .directory { pending.append(directory + "/" + name) }
            }
            sweep(directory, repair: repair, into: &findings) { _ in true }
        }
    }

    /// Removes the temp files of dead writers in the workspace directory `path` whose names pass `matches`.
    private func sweep(_ path: String, repair: Bool, into findings: inout Findings, matches: (String) -> Bool) {
        guard let directory = try? WorkspaceDirectory.open(path, root: layout.root, output: path, create: false) else { return }
        for name in (try? FileIO.listDirectory(layout.absolute(path))) ?? [] {
            guard let pid = Self.writer(ofTemporary: name), matches(name) else { continue }
            let shown = path.isEmpty ? name : path + "/" + name
            var st = stat()
            guard fstatat(directory.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if pid != getpid() && Self.isAlive(pid) {
                findings.inUse.append(shown)
                continue
            }
            if repair && unlinkat(directory.fd, name, 0) != 0 && errno != ENOENT {
                findings.unfixed.append("cannot remove partial temp file '\(shown)': \(String(cString: strerror(errno)))")
                continue
            }
            findings.temporaries.append(shown)
        }
    }

    private func checkRecords(_ records: [ActionRecord], repair: Bool, into findings: inout Findings) {
        let objects = ObjectStore(layout: layout)
        for record in records {
            findings.recordsChecked += 1
            for output in record.outputs {
                guard let missing = missingObject(of: output, objects) else { continue }
                let display = output.isDirectory ? output.path + "/" : output.path
                if repair, restock(output, objects) {
                    findings.restocked.append("stored object \(output.digest.short) of output '\(display)' (stage '\(record.stage)') again from the workspace, which still holds those bytes")
                    continue
                }
                findings.unusableRecords.append(
                    "record of stage '\(record.stage)' (key \(record.key.short)) names missing object \(missing.short) for output '\(display)'; it is ignored and the stage reruns when that output is needed")
            }
        }
    }

    /// The first object `output` needs that the store lacks.
    private func missingObject(of output: OutputState, _ objects: ObjectStore) -> Digest? {
        guard objects.contains(output.digest) else { return output.digest }
        guard output.isDirectory, let manifest = objects.manifest(output.digest) else { return nil }
        return manifest.entries.first { !objects.contains($0.digest) }?.digest
    }

    /// Stores the output again from the workspace when the file (or directory) there still has
    /// the recorded digest; whether that repaired it.
    private func restock(_ output: OutputState, _ objects: ObjectStore) -> Bool {
        guard let st = FileStat.of(layout.absolute(output.path)),
              st.kind == (output.isDirectory ? .directory : .file) else { return false }
        if !output.isDirectory {
            guard let hashed = try? FileHasher.hash(layout.absolute(output.path)), hashed.0 == output.digest else { return false }
        }
        guard let stored = try? objects.ingest(path: output.path, isDirectory: output.isDirectory) else { return false }
        return stored.digest == output.digest && missingObject(of: output, objects) == nil
    }

    /// The pid in a temp file name made by `FileIO.temporaryName` (`.tmp-PID-N-NAME`), or `nil`.
    static func writer(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix(".tmp-") else { return nil }
        let parts = name.dropFirst(5).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = pid_t(parts[0]), pid > 0, Int(parts[1]) != nil else { return nil }
        return pid
    }

    private static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
