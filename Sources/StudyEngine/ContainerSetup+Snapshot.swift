import StudyCore

/// A workflow with `container:` stages takes the no-op shortcut too (see `Snapshot`): the snapshot
/// records which runtime ran and each image's digest, and the shortcut finds the runtime again
/// and inspects each image again (one `inspect` per distinct image), so a retagged image is seen
/// as the full check sees it and reruns exactly the stages that use it.
extension ContainerSetup {
    static let runtimeFact = "container-runtime"
    static let requestFact = "container-runtime-request"
    static let imagePrefix = "image "

    /// What a snapshot records of this setup; empty without containers.
    public var snapshotFacts: [String: String] {
        guard let runtime, !digests.isEmpty else { return [:] }
        var facts = [Self.runtimeFact: runtime.kind.rawValue + " " + runtime.path]
        if let requestedRuntime { facts[Self.requestFact] = requestedRuntime }
        for (image, digest) in digests { facts[Self.imagePrefix + image] = digest }
        return facts
    }

    /// Whether `facts` (from `snapshotFacts`) still hold: the runtime found now is the one recorded,
    /// and each image still has its recorded digest there. Facts this version does not know do not hold.
    public static func snapshotFactsHold(_ facts: [String: String], searchPath: String, isExecutable: (String) -> Bool,
                                         host: any ContainerHost) -> Bool {
        guard let recorded = facts[runtimeFact] else { return facts.isEmpty }
        guard case .success(let runtime) = ContainerRuntime.locate(named: facts[requestFact], searchPath: searchPath, isExecutable: isExecutable),
              runtime.kind.rawValue + " " + runtime.path == recorded else { return false }
        for (name, value) in facts.sorted(by: { $0.key < $1.key }) where name != runtimeFact && name != requestFact {
            guard name.hasPrefix(imagePrefix), let digest = host.inspect(String(name.dropFirst(imagePrefix.count)), runtime: runtime),
                  normalized(digest) == value else { return false }
        }
        return true
    }
}
