import ArgumentParser
import StudyCore
import StudyStore

/// `studyflow gc`: drop what no current stage needs: superseded records, their objects, old logs,
/// corrupt objects (checked as `fsck` does) and partial temp files.
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove store objects and records no current stage refers to, and old run logs.",
        discussion: """
        Keeps the latest record of every stage in the workflow and the objects it names, so nothing
        up to date reruns afterwards. Older versions can then no longer be restored. Like
        'studyflow fsck', it first re-hashes every object: corrupt ones and partial temp files
        are removed, with the quarantine.

        Examples:
          studyflow gc
          studyflow gc --keep-logs 3
          studyflow gc -n                 # report what would be removed
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(name: .long, help: "Run log directories to keep.")
    var keepLogs = 10

    @Flag(name: [.customShort("n"), .long], help: "Report what would be removed; remove nothing.")
    var dryRun = false

    func run() throws {
        let layout = try workspace.layout()
        let compiled = try WorkflowSource(layout: layout, registry: StudyflowCommand.registry).load(workspace.workflow)
        let lock = try WorkspaceLock.acquire(layout, wait: true) { holder in
            Console.err("studyflow: waiting for \(holder)…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        let log = ActionLog(path: layout.actionLog)
        let objects = ObjectStore(layout: layout)
        // Corrupt objects and partial temp files first, so nothing below trusts them.
        let findings = StoreCheck(layout: layout).run(records: log.allRecords, repair: !dryRun)
        for line in FsckCommand.lines(findings, repaired: !dryRun) where !findings.isClean { Console.out(line) }
        let keep = compiled.workflow.stages.compactMap { log.latest[$0.id] }
        var live: Set<Digest> = []
        for record in keep {
            for output in record.outputs {
                live.insert(output.digest)
                if output.isDirectory, let manifest = objects.manifest(output.digest) {
                    for entry in manifest.entries { live.insert(entry.digest) }
                }
            }
        }
        var removed = 0
        var bytes: Int64 = 0
        for digest in objects.allObjects() where !live.contains(digest) {
            removed += 1
            bytes += dryRun ? (FileStat.of(layout.object(digest))?.size ?? 0) : objects.remove(digest)
        }
        let runs = ((try? FileIO.listDirectory(layout.logsDirectory)) ?? []).compactMap(Int.init).sorted()
        let oldRuns = runs.dropLast(max(0, keepLogs))
        let superseded = log.entryCount - keep.count
        let quarantined = ((try? FileIO.listDirectory(layout.quarantineDirectory)) ?? []).count
        if !dryRun {
            try log.compact(keeping: keep)
            for run in oldRuns { try FileIO.removeTree(layout.logDirectory(run: run)) }
            try FileIO.removeTree(layout.quarantineDirectory)
        }
        let verb = dryRun ? "would remove" : "removed"
        let extra = quarantined > 0 ? ", \(quarantined) quarantined object\(quarantined == 1 ? "" : "s")" : ""
        Console.out("studyflow: \(verb) \(removed) objects (\(bytes) bytes), \(superseded) superseded records, \(oldRuns.count) old log directories\(extra)\n")
        if !findings.unfixed.isEmpty { throw CommandError.exit(1) }
    }
}
