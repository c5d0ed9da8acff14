/// `container:` and `network:`, on a stage or at the top level as every `run` stage's default.
///
/// A built-in kind (`uses:`) runs inside studyflow, so `container:` on one is a mistake; the
/// workflow's default simply does not apply to built-ins. Fan-out instances copy their
/// template's values, so every instance runs in the template's image.
extension WorkflowLoader {
    /// Reads a stage's own `container:` and `network:`; the key locations mark them as set, so
    /// `applyContainerDefaults` leaves them alone.
    func parseContainerKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], stage: inout Stage, reader: inout YAMLReader) {
        for pair in pairs where pair.key == "container" || pair.key == "network" {
            stage.fields.setKey(pair.key, reader.location(pair.keyNode))
            if pair.key == "network" {
                stage.network = reader.boolean(pair.value, what: "'network' of stage '\(stage.id)'") ?? false
                continue
            }
            guard let image = parseImage(pair.value, owner: "stage '\(stage.id)'", reader: &reader) else { continue }
            if case .builtin(let kind, _) = stage.action {
                reader.error("stage '\(stage.id)' uses the built-in kind '\(kind)', which runs inside studyflow, not in a container; remove 'container' from it (only 'run' stages run in containers)", at: pair.keyNode)
                continue
            }
            stage.container = image
        }
    }

    /// Gives every `run` stage that sets neither the workflow's top-level `container:` and
    /// `network:`.
    func applyContainerDefaults(_ pairs: [(key: String, keyNode: Node, value: Node)], to stages: inout [Stage],
                                reader: inout YAMLReader) {
        var image: String?
        var network: Bool?
        for pair in pairs {
            if pair.key == "container" {
                image = parseImage(pair.value, owner: "the workflow", reader: &reader)
            } else if pair.key == "network" {
                network = reader.boolean(pair.value, what: "'network' of the workflow")
            }
        }
        guard image != nil || network != nil else { return }
        for index in stages.indices {
            guard case .shell = stages[index].action else { continue }
            if let image, stages[index].fields.keys["container"] == nil { stages[index].container = image }
            if let network, stages[index].fields.keys["network"] == nil { stages[index].network = network }
        }
    }

    /// An image reference as a runtime takes it (`localhost/tools:1`, `debian@sha256:…`), or nil
    /// after reporting why `node` is not one. Refusing a leading '-' keeps a value from being read
    /// as an option of the runtime's command line.
    func parseImage(_ node: Node, owner: String, reader: inout YAMLReader) -> String? {
        let what = "'container' of \(owner)"
        guard let text = reader.string(node, what: what) else { return nil }
        if text.holdsItemPlaceholder {
            reader.error("placeholder in \(what) is not expanded: every instance of a fan-out runs in its template's image; write the image out, e.g. 'localhost/tools:1'", at: node)
            return nil
        }
        if reportNotExpanded(text, node: node, what: what, example: "'localhost/tools:1'", reader: &reader) { return nil }
        if let problem = ImageReference.problem(text) {
            reader.error("\(what) \(problem)", at: node)
            return nil
        }
        return text
    }
}

/// The syntax of a container image reference: `[registry/]name[:tag][@sha256:64 hex digits]`.
public enum ImageReference {
    /// Why `text` is not an image reference (completing "'container' of stage 'x' …"), or nil.
    public static func problem(_ text: String) -> String? {
        let example = "write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'"
        if text.isEmpty { return "is empty; \(example)" }
        if text.hasPrefix("-") { return "'\(text)' starts with '-', which the container runtime would read as an option; \(example)" }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-/:@".unicodeScalars.contains(scalar))
        }
        if !allowed { return "'\(text)' is not an image reference: use letters, digits and '._-/:@' only; \(example)" }
        if let at = text.firstIndex(of: "@") {
            let digest = text[text.index(after: at)...]
            let hex = digest.dropFirst("sha256:".count)
            let isHex = hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
            if text[..<at].isEmpty || !digest.hasPrefix("sha256:") || !isHex {
                return "'\(text)' has a malformed digest: after '@' write 'sha256:' and 64 lowercase hex digits; \(example)"
            }
        }
        return nil
    }
}
