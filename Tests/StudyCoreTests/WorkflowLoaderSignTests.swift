import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = []) -> String? {
    WorkflowTextLoader.diagnostics(yaml, knownKinds: knownKinds)
}

/// A workflow that must load.
private func load(_ yaml: String, knownKinds: [String] = []) throws -> Workflow {
    try WorkflowTextLoader.load(yaml, knownKinds: knownKinds)
}

@Suite("WorkflowLoader: sign")
struct WorkflowLoaderSignTests {
    @Test("'sign: true' turns signing on; without the key it is off")
    func signKey() throws {
        #expect(try load("name: s\nsign: true\nstages:\n  a:\n    run: 'true'\n").sign)
        #expect(try !load("name: s\nsign: false\nstages:\n  a:\n    run: 'true'\n").sign)
        #expect(try !load("name: s\nstages:\n  a:\n    run: 'true'\n").sign)
    }

    @Test("a 'sign' that is not a plain boolean is a load error at its value")
    func signNotBoolean() {
        #expect(diagnostics("name: s\nsign: yes\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got 'yes'")
        #expect(diagnostics("name: s\nsign: 'true'\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got the quoted string 'true'; drop the quotes")
        #expect(diagnostics("name: s\nsign: [true]\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got a list")
    }

    @Test("a misspelled 'sign' is an unknown key with a suggestion")
    func signMisspelled() {
        #expect(diagnostics("name: s\nsigned: true\nstages:\n  a:\n    run: 'true'\n")?.hasPrefix("w.yaml:2:1: error: unknown key 'signed' at the top level") == true)
    }
}
