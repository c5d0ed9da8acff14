import StudyCore
import StudyStore

/// Inputs edited while their stage ran. The stage key was computed from the inputs' bytes before
/// the stage started; if any input changed since (even by the stage itself), the outputs belong to
/// neither version, and recording them under the old key would later serve them for the old
/// input. So after a stage succeeds, every input file's `stat` is compared with the one taken
/// before it was hashed, and on any difference the outputs are not recorded (as Bazel's "file
/// modified during build").
enum InputDrift {
    /// The first input file (in key order) whose size, mtime, ctime, inode or presence changed
    /// since `resolved`'s key was computed, or `nil`. Files under the stage's own outputs are
    /// skipped: a command-word input may be a directory the stage writes into.
    static func firstChange(in resolved: ResolvedStage, hasher: ArtifactHasher) -> String? {
        let outputs = resolved.stage.outputs.map(\.path)
        func isOwnOutput(_ path: String) -> Bool {
            outputs.contains { path == $0 || path.hasPrefix($0 + "/") }
        }
        for input in resolved.inputs {
            guard let before = resolved.inputStamps[input.path] else { continue }
            let now = hasher.stamp(of: input.path)
            guard let changed = before.firstChange(to: now, ignoring: isOwnOutput) else { continue }
            // The run's memo and the stat cache must not keep the old digest for later stages.
            hasher.invalidate(input.path, isDirectory: true)
            return changed
        }
        return nil
    }

    /// The failure shown for a stage whose input `path` changed while it ran.
    static func message(stage: String, path: String) -> String {
        "input '\(path)' changed while stage '\(stage)' ran, so its outputs were not cached; run again when nothing is editing it"
    }
}
