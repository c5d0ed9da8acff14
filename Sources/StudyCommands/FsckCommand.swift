import ArgumentParser
import StudyCore
import StudyStore

/// `studyflow fsck`: verify the store and repair what can be repaired, so a corrupt object or a
/// partial temp file left by a full disk or a `kill -9` never blocks a run.
struct FsckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Verify every store object and repair the store.",
        discussion: """
        Re-hashes every object in .studyflow/objects; an object whose bytes no longer match its
        name is moved to .studyflow/quarantine/. A missing object whose output is still intact in
        the workspace is stored again from there; other records naming missing objects are listed
        (runs ignore them and rerun the stage). Removes partial temp files left by a full disk or
        a killed run. Exits 1 when a problem could not be fixed.

        Examples:
          studyflow fsck
          studyflow fsck --json
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Flag(name: .long, help: "Print the findings as one JSON object.")
    var json = false

    func run() throws {
        let layout = try workspace.layout()
        guard FileStat.of(layout.stateDirectory)?.kind == .directory else {
            Console.out(json ? "{\"ok\":true,\"store\":false}\n" : "studyflow: no store in '\(layout.root)'; nothing to check\n")
            return
        }
        let lock = try WorkspaceLock.acquire(layout, wait: true) { holder in
            Console.err("studyflow: waiting for \(holder)…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        let records = ActionLog(path: layout.actionLog).allRecords
        let findings = StoreCheck(layout: layout).run(records: records, repair: true)
        if json {
            Console.out(Self.json(findings).canonicalJSON + "\n")
        } else {
            for line in Self.lines(findings, repaired: true) { Console.out(line) }
            Console.out(Self.summary(findings))
        }
        if !findings.unfixed.isEmpty {
            if !json { Console.err("studyflow: error: \(findings.unfixed.count) problem\(findings.unfixed.count == 1 ? "" : "s") could not be fixed; see above\n") }
            throw CommandError.exit(1)
        }
    }

    /// One line per finding, as `fsck` and `gc` print them.
    static func lines(_ findings: StoreCheck.Findings, repaired: Bool) -> [String] {
        var lines: [String] = []
        for (object, movedTo) in findings.corrupt {
            let action = !repaired ? "would be moved to the quarantine" : movedTo.map { "moved to '\($0)'" } ?? "deleted"
            lines.append("studyflow: corrupt object '\(object)' (its bytes do not match its name): \(action)\n")
        }
        for path in findings.temporaries {
            lines.append("studyflow: \(repaired ? "removed" : "would remove") partial temp file '\(path)'\n")
        }
        for path in findings.inUse {
            lines.append("studyflow: left temp file '\(path)' alone: the process writing it is still running\n")
        }
        for line in findings.restocked { lines.append("studyflow: \(line)\n") }
        for line in findings.unusableRecords { lines.append("studyflow: \(line)\n") }
        for line in findings.unfixed { lines.append("studyflow: error: \(line)\n") }
        return lines
    }

    /// `studyflow: checked 12 objects and 4 records: …`.
    static func summary(_ findings: StoreCheck.Findings) -> String {
        let head = "studyflow: checked \(findings.objectsChecked) object\(findings.objectsChecked == 1 ? "" : "s") and \(findings.recordsChecked) record\(findings.recordsChecked == 1 ? "" : "s")"
        guard !findings.isClean else { return head + ": no problems found\n" }
        var parts: [String] = []
        if !findings.corrupt.isEmpty { parts.append("\(findings.corrupt.count) corrupt object\(findings.corrupt.count == 1 ? "" : "s") quarantined") }
        if !findings.temporaries.isEmpty { parts.append("\(findings.temporaries.count) partial temp file\(findings.temporaries.count == 1 ? "" : "s") removed") }
        if !findings.restocked.isEmpty { parts.append("\(findings.restocked.count) object\(findings.restocked.count == 1 ? "" : "s") stored again") }
        if !findings.unusableRecords.isEmpty { parts.append("\(findings.unusableRecords.count) record\(findings.unusableRecords.count == 1 ? "" : "s") ignored") }
        if !findings.unfixed.isEmpty { parts.append("\(findings.unfixed.count) not fixed") }
        return head + ": " + parts.joined(separator: ", ") + "\n"
    }

    static func json(_ findings: StoreCheck.Findings) -> JSONValue {
        .object([
            "ok": .bool(findings.unfixed.isEmpty),
            "store": .bool(true),
            "objects_checked": .integer(findings.objectsChecked),
            "records_checked": .integer(findings.recordsChecked),
            "corrupt": .array(findings.corrupt.map { .object(["object": .string($0.object), "moved_to": $0.movedTo.map(JSONValue.string) ?? .null]) }),
            "temp_files_removed": .array(findings.temporaries.map(JSONValue.string)),
            "temp_files_in_use": .array(findings.inUse.map(JSONValue.string)),
            "restored_objects": .array(findings.restocked.map(JSONValue.string)),
            "ignored_records": .array(findings.unusableRecords.map(JSONValue.string)),
            "unfixed": .array(findings.unfixed.map(JSONValue.string)),
        ])
    }
}
