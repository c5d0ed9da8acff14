import StudyCore
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The run ledger: one git commit per run on `refs/studyflow/runs` of the workspace's repository
/// (found upward from the workspace root as git does), or of a bare repository at
/// `.studyflow/provenance.git` when the workspace is in none. HEAD, the index and the work tree are
/// never touched: only objects and that one ref are written.
///
/// A run's commit has this tree (parent = the previous run's commit):
/// ```
/// run.json              RunRecord: run id, times, version, host, workflow file and digest,
///                       executor, the repository's HEAD commit and the dirty flag
/// workflow.yaml         the workflow file's bytes
/// included/PATH         the bytes of each file its `include:` merged, at its workspace path
/// stages/<id>.json      one StageRecord a stage: kind, key, params, inputs and outputs with
///                       sha256 and size, status, exit status, seconds, executor, job id
/// outputs/<path>        every output file up to 1 MiB, as the run left it
/// ```
/// Records are canonical JSON (sorted keys, one member a line), so `git diff RUN1 RUN2` shows what
/// changed. Consecutive runs share unchanged stage records and output blobs by object id; a no-op
/// run (`recordNoOp`) writes only `run.json`, one tree and the commit, also right after a run that
/// executed stages, which prepared that no-op run's stage records (`prepareNoOp`).
///
/// One instance owns the repository handle; use it from one thread at a time.
public final class RunLedger {
    /// The ref holding the run history.
    public static let ref = "refs/studyflow/runs"
    /// Outputs larger than this are recorded by digest only, not stored as blobs.
    public static let maxStoredOutput: Int64 = 1 << 20

    let repository: GitRepository
    let layout: StoreLayout
    /// The workspace root relative to the repository's work tree, with a trailing slash ("" at the top).
    let prefix: String
    /// The linked worktree the workspace is in (see `RunRecord.Place.worktree`).
    let worktreeName: String?
    /// `RunRecord.Source.repository` of runs recorded here.
    let sourceRepository: RunRecord.SourceRepository
    /// The git directory of a repository libgit2 cannot open (SHA-256) that the workspace is in;
    /// its HEAD is read from its files. Nil otherwise.
    let unreadableGitDirectory: String?
    /// Why the ledger is not where a reader would look first (a SHA-256 repository, so the bare
    /// ledger instead): a one-line note for the commands to print; nil normally.
    public let note: String?
    /// Signs every run commit this ledger writes (`sign: true`, `run --sign`); nil: unsigned.
    public var signer: RunSigner?

    private init(repository: GitRepository, layout: StoreLayout, sourceRepository: RunRecord.SourceRepository, note: String? = nil,
                 unreadableGitDirectory: String? = nil) {
        self.repository = repository
        self.unreadableGitDirectory = unreadableGitDirectory
        self.layout = layout
        self.sourceRepository = sourceRepository
        self.note = note
        if let work = repository.workDirectory, (layout.root + "/").hasPrefix(work) {
            prefix = String((layout.root + "/").dropFirst(work.count))
        } else {
            prefix = ""
        }
        worktreeName = repository.worktreeName
    }

    /// The ledger of the workspace at `layout`. With `create`, a workspace in no repository gets the
    /// bare one at `.studyflow/provenance.git`; without it (the read-only commands) a missing ledger
    /// is `ProvenanceError.noRuns`.
    ///
    /// A workspace that its enclosing repository ignores (a scratch or benchmark directory inside a
    /// project) is not part of that repository, so it too gets the bare ledger. So does a workspace
    /// in a repository libgit2 cannot read (SHA-256 object names), with `note` saying so.
    public static func open(_ layout: StoreLayout, create: Bool) throws -> RunLedger {
        var note: String?
        var kind = RunRecord.SourceRepository.noRepository
        var unreadable: String?
        switch try GitRepository.discover(from: layout.root) {
        case .repository(let repository):
            let ledger = RunLedger(repository: repository, layout: layout, sourceRepository: .git)
            if ledger.prefix.isEmpty || !repository.isIgnored(ledger.prefix) { return ledger }
        case .unsupported(let path, let format):
            kind = format.hasPrefix("SHA-256") ? .sha256 : .unreadable
            unreadable = path
            note = "the git repository at '\(path)' uses \(format), which libgit2 \(GitRepository.libraryVersion) cannot write; "
                + "provenance goes to '.studyflow/provenance.git' instead"
        case .none:
            break
        }
        let bare = layout.provenanceRepository
        if access(bare, F_OK) == 0 {
            return RunLedger(repository: try GitRepository.open(at: bare), layout: layout, sourceRepository: kind, note: note,
                             unreadableGitDirectory: unreadable)
        }
        guard create else { throw ProvenanceError.noRuns(repository: layout.root) }
        try? FileIO.createDirectories(layout.stateDirectory)
        // Built aside and renamed into place, so a run killed while libgit2 writes the skeleton
        // leaves no half-made repository that every later run would fail to open.
        let scratch = bare + ".new-\(getpid())"
        try? FileIO.removeTree(scratch)
        _ = try GitRepository.createBare(at: scratch)
        if rename(scratch, bare) != 0 {
            try? FileIO.removeTree(scratch)
            guard access(bare, F_OK) == 0 else {
                throw ProvenanceError.cannotOpen(path: bare, reason: String(cString: strerror(errno)))
            }
        }
        return RunLedger(repository: try GitRepository.open(at: bare), layout: layout, sourceRepository: kind, note: note,
                             unreadableGitDirectory: unreadable)
    }

    /// `RunRecord.workspace` of this workspace.
    var workspaceName: String { prefix.isEmpty ? "." : String(prefix.dropLast()) }

    /// The repository's git directory (for messages and `git --git-dir`).
    public var repositoryPath: String {
        var path = repository.gitDirectory
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Fails early, before anything runs, when the ref is locked by another writer or does not
    /// name a readable commit, so a run that could not be recorded does not start. With
    /// `readingTip: false` only the lock and the ref itself are checked (the no-op shortcut reads
    /// the tip commit anyway).
    ///
    /// A lock file that no running process holds open was left by a writer that died mid-commit
    /// (git and libgit2 hold it open until they rename it): it is removed, and the returned note
    /// says so.
    @discardableResult
    public func preflight(readingTip: Bool = true) throws -> String? {
        let lock = repository.refsDirectory + Self.ref + ".lock"
        var note: String?
        if access(lock, F_OK) == 0 {
            guard RefLockHolders.anyHolds(lock) == false, unlink(lock) == 0 else {
                throw ProvenanceError.locked(ref: Self.ref, lockFile: lock)
            }
            note = "removed '\(lock)', which a run killed while recording itself left behind (no process held it)"
        }
        if let tip = try repository.resolve(Self.ref), readingTip {
            do { _ = try repository.commit(tip) } catch {
                throw ProvenanceError.corrupt(ref: Self.ref, reason: "its commit \(tip.short) cannot be read")
            }
        }
        return note
    }

    // MARK: - Source state

    /// The repository's HEAD commit and whether any of `paths` (workspace-relative files) differs
    /// from HEAD's version of it; `dirty` is nil when there is no repository (bare ledger).
    ///
    /// Before the first commit (HEAD unborn) the commit is nil but the run is dirty: nothing it
    /// read is committed yet, and every existing path is listed.
    /// In a SHA-256 repository the commit is read from its files and `dirty` is nil: libgit2
    /// cannot read the objects to compare with.
    public func sourceState(paths: [String]) -> RunRecord.Source {
        if let unreadableGitDirectory {
            return RunRecord.Source(repository: sourceRepository, commit: GitRepository.headCommitFromFiles(gitDirectory: unreadableGitDirectory),
                                    dirty: nil)
        }
        let tree: GitOID?
        if let head = repository.headCommit(), let headTree = try? repository.commit(head).tree {
            tree = headTree
        } else if sourceRepository == .git, repository.isHeadUnborn {
            tree = nil
        } else {
            return RunRecord.Source(repository: sourceRepository, commit: nil, dirty: nil)
        }
        var dirty: [String] = []
        for path in paths {
            let absolute = layout.absolute(path)
            guard let st = FileStat.of(absolute), st.kind == .file else { continue }
            let inHead = tree.flatMap { try? repository.entry(prefix + path, inTree: $0) }
            if inHead == nil || inHead! != repository.hashFile(absolute) {
                dirty.append(path)
            }
        }
        return RunRecord.Source(repository: sourceRepository, commit: repository.headCommit()?.hex, dirty: !dirty.isEmpty,
                                dirtyPaths: Array(dirty.prefix(20)))
    }

    // MARK: - Writing

    /// Records a no-op run (every stage cached, nothing changed since the previous run) by reusing
    /// the previous commit's tree and rewriting only `run.json`. Returns nil, writing nothing, when
    /// the previous run is not a matching no-op (different stages, workflow, HEAD or outcome): the
    /// caller then records the run in full.
    public func recordNoOp(run: Int, started: Double, stages: [String], workflowFile: String, workflowDigest: Digest,
                           studyflowVersion: String, executor: String) throws -> GitOID? {
        guard let tip = try repository.resolve(Self.ref) else { return nil }
        let previous: GitRepository.Commit
        do { previous = try repository.commit(tip) } catch {
            throw ProvenanceError.corrupt(ref: Self.ref, reason: "its commit \(tip.short) cannot be read")
        }
        guard let runBlob = try repository.entry("run.json", inTree: previous.tree),
              let json = JSONText.parse(try repository.readBlob(runBlob)), var record = RunRecord(json: json),
              record.outcome == .known(.ok), record.stages.total == stages.count,
              record.stages.digest == RunRecord.digest(ofStages: stages), record.workflow.digest == workflowDigest,
              record.workflow.file == workflowFile, isOwn(record), record.source.repository == sourceRepository,
              record.source.commit == headCommitID else { return nil }
        // After a no-op run its tree is the next one's; after a run that executed stages, the tree
        // it prepared with every stage record as cached (`prepareNoOp`).
        var base = previous.tree
        if !record.stages.allCached {
            guard let prepared = preparedNoOp(after: tip) else { return nil }
            base = prepared
            record.stages = RunRecord.Stages(counts: [StageStatus.cached.rawValue: stages.count], digest: record.stages.digest)
        }
        record.run = run
        record.id = RunID.generate()
        record.place.workspaceRoot = layout.root
        record.timing = RunRecord.Timing(started: started, finished: SystemClock.wallSeconds())
        record.agent = RunRecord.Agent(studyflowVersion: studyflowVersion, host: Timestamp.hostName(), executor: executor)
        let blob = try repository.writeBlob(record.encoded)
        let tree = try repository.writeTree([.init(name: "run.json", id: blob, isTree: false)], base: base)
        return try commit(tree: tree, record: record, parent: tip)
    }

    /// Prepares the record of a no-op run right after the run recorded as `commit`, whose stage
    /// records are `stages` (every one ran, was restored or cached): the same tree with each stage
    /// record as a cached stage's. Written while the executing run is recording anyway, it lets
    /// that no-op run write one blob, one tree and a commit instead of every stage record.
    private func prepareNoOp(after commit: GitOID, tree: GitOID, stages: some Collection<StageRecord>, cache: inout BlobCache) throws {
        guard stages.allSatisfy({ $0.status.known?.hasOutputs == true }),
              stages.contains(where: { $0.status != .known(.cached) }) else { return }
        // Lazily: a second array of 10,000 records would add to the run's peak memory.
        let stagesTree = try writeStagesTree(stages.lazy.map(\.asCached), cache: &cache)
        let noOpTree = try repository.writeTree([.init(name: "stages", id: stagesTree, isTree: true)], base: tree)
        let text = "\(Self.noOpMagic)\(repositoryPath)\n\(commit.hex) \(noOpTree.hex)\n"
        try FileIO.writeAtomically(layout.provenanceNoOp, Array(text.utf8), durable: false)
    }

    private static let noOpMagic = "studyflow-provenance-noop 1\n"

    /// The tree `prepareNoOp` wrote for a no-op run after `commit`, when it is still in the repository.
    private func preparedNoOp(after commit: GitOID) -> GitOID? {
        guard let text = FileIO.readText(layout.provenanceNoOp) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0] + "\n" == Self.noOpMagic, lines[1] == repositoryPath else { return nil }
        let ids = lines[2].split(separator: " ")
        guard ids.count == 2, GitOID(hex: ids[0]) == commit, let tree = GitOID(hex: ids[1]), repository.contains(tree) else { return nil }
        return tree
    }

    /// Records a run in full: every stage record, every stored output, `run.json` and the commit.
    /// `record.stages.digest` is computed here from `stages`. With `preparingNoOp` (a successful
    /// run of every stage that executed some), the record of a no-op run after it is prepared too.
    /// `stages` is read in several passes; a lazy collection that makes each record on the fly
    /// keeps a run of 10,000 stages from holding every record at once.
    public func record(_ record: RunRecord, stages: some Collection<StageRecord>, workflowBytes: [UInt8]?,
                       includedFiles: [(path: String, bytes: [UInt8])] = [], preparingNoOp: Bool = false) throws -> GitOID {
        try self.record(record, stages: stages, includedFiles: includedFiles, preparingNoOp: preparingNoOp) {
            try workflowBytes.map { try repository.writeBlob($0) }
        }
    }

    /// `record(_:stages:workflowBytes:…)` with the workflow file as the text it was loaded as: its
    /// UTF-8 bytes are written as they are stored, without a copy (a 10,000-stage file is 1.5 MB).
    public func record(_ record: RunRecord, stages: some Collection<StageRecord>, workflowText: String,
                       includedFiles: [(path: String, bytes: [UInt8])] = [], preparingNoOp: Bool = false) throws -> GitOID {
        try self.record(record, stages: stages, includedFiles: includedFiles, preparingNoOp: preparingNoOp) {
            var text = workflowText
            return try text.withUTF8 { try repository.writeBlob(UnsafeRawBufferPointer($0)) }
        }
    }

    private func record(_ record: RunRecord, stages: some Collection<StageRecord>, includedFiles: [(path: String, bytes: [UInt8])],
                        preparingNoOp: Bool, writeWorkflow: () throws -> GitOID?) throws -> GitOID {
        var record = record
        record.stages.digest = RunRecord.digest(ofStages: stages.map(\.stage))
        stampIdentity(&record)
        var cache = BlobCache(path: layout.provenanceBlobCache, repository: repositoryPath)
        cache.validate { repository.contains($0) }
        defer { cache.save() }
        let stagesTree = try writeStagesTree(stages, cache: &cache)
        var root: [GitRepository.TreeEntry] = [
            .init(name: "run.json", id: try repository.writeBlob(record.encoded), isTree: false),
            .init(name: "stages", id: stagesTree, isTree: true),
        ]
        if let workflow = try writeWorkflow() {
            root.append(.init(name: "workflow.yaml", id: workflow, isTree: false))
        }
        if !includedFiles.isEmpty {
            let included = OutputDirectory()
            for file in includedFiles { included.insert(file.path.split(separator: "/").map(String.init)[...], try repository.writeBlob(file.bytes)) }
            root.append(.init(name: "included", id: try included.write(repository), isTree: true))
        }
        if let outputs = try writeOutputs(stages, cache: &cache) { root.append(.init(name: "outputs", id: outputs, isTree: true)) }
        let tree = try repository.writeTree(root)
        var attempt = 0
        while true {
            let parent = try repository.resolve(Self.ref)
            do {
                let id = try commit(tree: tree, record: record, parent: parent)
                if preparingNoOp { try? prepareNoOp(after: id, tree: tree, stages: stages, cache: &cache) }
                return id
            } catch ProvenanceError.raced(let ref) {
                // Another process moved the ref between reading the parent and writing: retry on the new tip.
                attempt += 1
                if attempt == 3 { throw ProvenanceError.raced(ref: ref) }
            }
        }
    }

    /// Writes the `stages/` tree of `stages`.
    private func writeStagesTree(_ stages: some Collection<StageRecord>, cache: inout BlobCache) throws -> GitOID {
        var stageEntries: [GitRepository.TreeEntry] = []
        stageEntries.reserveCapacity(stages.count)
        var treeFingerprint = DigestBuilder()
        treeFingerprint.field("studyflow stages tree 1")
        for stage in stages {
            // Unchanged records (most of them, run after run) are found by fingerprint: no JSON
            // encoding, no hashing, no object write.
            let fingerprint = stage.fingerprint
            let id: GitOID
            if let known = cache[fingerprint] {
                id = known
            } else {
                id = try repository.writeBlob(stage.encoded)
                cache[fingerprint] = id
            }
            stageEntries.append(.init(name: stage.stage + ".json", id: id, isTree: false))
            treeFingerprint.field(stage.stage)
            id.bytes.withUnsafeBytes { treeFingerprint.update($0) }
        }
        return try cachedTree(treeFingerprint.finalize(), cache: &cache) { try repository.writeTree(stageEntries) }
    }

    /// The workspace repository's HEAD commit id, nil without one.
    var headCommitID: String? {
        if let unreadableGitDirectory { return GitRepository.headCommitFromFiles(gitDirectory: unreadableGitDirectory) }
        return repository.headCommit()?.hex
    }

    /// Sets what the ledger knows of a run better than its caller: a fresh unique id (unless one
    /// was given), the workspace, worktree and repository it was made in.
    func stampIdentity(_ record: inout RunRecord) {
        if record.id == nil { record.id = RunID.generate() }
        record.place = RunRecord.Place(workspace: workspaceName, worktree: worktreeName, workspaceRoot: layout.root)
        record.source.repository = sourceRepository
    }

    /// Whether `record` was made in this workspace: same path in the repository, same worktree.
    func isOwn(_ record: RunRecord) -> Bool {
        record.place.workspace == workspaceName && record.place.worktree == worktreeName
    }

    private func commit(tree: GitOID, record: RunRecord, parent: GitOID?) throws -> GitOID {
        var message = record.summaryLine + "\n\n"
        if let id = record.id { message += "id: \(id)\n" }
        if let worktree = record.place.worktree { message += "worktree: \(worktree)\n" }
        message += "workflow: \(record.workflow.file) (sha256 \(record.workflow.digest.short))\n"
        if let source = record.source.commit { message += "source: \(source)\(record.source.dirty == true ? " (dirty)" : "")\n" }
        return try repository.createCommit(ref: Self.ref, tree: tree, parent: parent, message: message,
                                           time: Int64(record.timing.started), signer: signer)
    }

    /// Stores every output file of at most `maxStoredOutput` bytes and returns the `outputs/` tree
    /// (nil when there is none). Bytes come from the content-addressed store, which holds exactly
    /// what the stage wrote; the blob cache spares re-reading outputs already stored.
    private func writeOutputs(_ stages: some Collection<StageRecord>, cache: inout BlobCache) throws -> GitOID? {
        let root = OutputDirectory()
        var fingerprint = DigestBuilder()
        fingerprint.field("studyflow outputs tree 1")
        for stage in stages where stage.status.hasOutputs {
            for output in stage.outputs where !output.isDirectory {
                guard let digest = output.sha256, let size = output.size, size <= Self.maxStoredOutput else { continue }
                let id: GitOID
                if let known = cache[digest] {
                    id = known
                } else {
                    guard let bytes = storedBytes(path: output.path, digest: digest) else { continue }
                    id = try repository.writeBlob(bytes)
                    cache[digest] = id
                }
                root.insert(output.path.split(separator: "/").map(String.init)[...], id)
                fingerprint.field(output.path)
                id.bytes.withUnsafeBytes { fingerprint.update($0) }
            }
        }
        if root.isEmpty { return nil }
        return try cachedTree(fingerprint.finalize(), cache: &cache) { try root.write(repository) }
    }

    /// The tree with content fingerprint `fingerprint`, from the cache or written by `write`.
    private func cachedTree(_ fingerprint: Digest, cache: inout BlobCache, write: () throws -> GitOID) throws -> GitOID {
        if let known = cache[fingerprint] { return known }
        let id = try write()
        cache[fingerprint] = id
        return id
    }

    private func storedBytes(path: String, digest: Digest) -> [UInt8]? {
        if let bytes = FileIO.read(layout.object(digest)) { return bytes }
        if let bytes = FileIO.read(layout.absolute(path)), Digest.of(bytes) == digest { return bytes }
        return nil
    }
}

/// The `outputs/` tree being built: nested directories of blobs.
private final class OutputDirectory {
    var files: [String: GitOID] = [:]
    var directories: [String: OutputDirectory] = [:]

    var isEmpty: Bool { files.isEmpty && directories.isEmpty }

    func insert(_ components: ArraySlice<String>, _ id: GitOID) {
        guard let first = components.first else { return }
        if components.count == 1 { files[first] = id; return }
        let child = directories[first] ?? OutputDirectory()
        directories[first] = child
        child.insert(components.dropFirst(), id)
    }

    func write(_ repository: GitRepository) throws -> GitOID {
        var entries = files.map { GitRepository.TreeEntry(name: $0.key, id: $0.value, isTree: false) }
        for (name, child) in directories where files[name] == nil {
            entries.append(.init(name: name, id: try child.write(repository), isTree: true))
        }
        return try repository.writeTree(entries)
    }
}
