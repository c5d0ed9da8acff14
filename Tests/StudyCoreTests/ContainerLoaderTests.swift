@testable import StudyCore
import Testing
import _StudyTestSupport

private func diagnostics(_ yaml: String) -> String? { KaplanMeierLoader.diagnostics(yaml) }
private func load(_ yaml: String) throws -> Workflow { try KaplanMeierLoader.load(yaml) }

@Suite("WorkflowLoader: container and network")
struct ContainerLoaderTests {
    @Test("a stage's container and network are read; the workflow's are the default of every run stage")
    func defaults() throws {
        let workflow = try load("""
        name: demo
        container: localhost/tools:1
        network: true
        stages:
          a: {run: echo a}
          b: {run: echo b, container: "debian@sha256:\(String(repeating: "ab", count: 32))", network: false}
          km: {uses: survival/kaplan-meier, outputs: [km.json]}
        """)
        let stages = Dictionary(uniqueKeysWithValues: workflow.stages.map { ($0.id, $0) })
        #expect(stages["a"]?.container == "localhost/tools:1")
        #expect(stages["a"]?.network == true)
        #expect(stages["b"]?.container == "debian@sha256:" + String(repeating: "ab", count: 32))
        #expect(stages["b"]?.network == false)
        // Built-in kinds run in-process: the workflow's default does not apply to them.
        #expect(stages["km"]?.container == nil)
        #expect(stages["km"]?.network == false)
    }

    @Test("a stage without container runs on the host and without network")
    func hostByDefault() throws {
        let stage = try load("name: demo\nstages:\n  a: {run: echo a}\n").stages[0]
        #expect(stage.container == nil)
        #expect(stage.network == false)
    }

    @Test("every instance of a fan-out runs in its template's container")
    func fanoutInherits() throws {
        let workflow = try load("""
        name: demo
        stages:
          cox:
            foreach: [a, b, c]
            container: localhost/tools:2
            run: echo ${each.key}
        """)
        #expect(workflow.stages.map(\.id) == ["cox@a", "cox@b", "cox@c"])
        #expect(workflow.stages.allSatisfy { $0.container == "localhost/tools:2" })
    }

    @Test("container on a built-in kind is a load error at the key, saying why")
    func builtinRefused() {
        #expect(diagnostics("""
        name: demo
        stages:
          km:
            uses: survival/kaplan-meier
            container: localhost/tools:1
        """) == "w.yaml:5:5: error: stage 'km' uses the built-in kind 'survival/kaplan-meier', which runs inside studyflow, not in a container; remove 'container' from it (only 'run' stages run in containers)")
    }

    @Test("an image that would be read as a runtime option is refused")
    func leadingDash() {
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, container: --privileged}\n")
            == "w.yaml:3:29: error: 'container' of stage 'a' '--privileged' starts with '-', which the container runtime would read as an option; write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'")
    }

    @Test("malformed digests, spaces, empty and non-string images are refused where they stand")
    func malformed() {
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, container: debian@sha256:abc}\n")
            == "w.yaml:3:29: error: 'container' of stage 'a' 'debian@sha256:abc' has a malformed digest: after '@' write 'sha256:' and 64 lowercase hex digits; write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'")
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, container: 'a b'}\n")
            == "w.yaml:3:29: error: 'container' of stage 'a' 'a b' is not an image reference: use letters, digits and '._-/:@' only; write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'")
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, container: ''}\n")
            == "w.yaml:3:29: error: 'container' of stage 'a' is empty; write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'")
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, container: [x]}\n")
            == "w.yaml:3:29: error: 'container' of stage 'a' must be a string, got a list")
        #expect(diagnostics("name: demo\ncontainer: -x\nstages:\n  a: {run: echo}\n")
            == "w.yaml:2:12: error: 'container' of the workflow '-x' starts with '-', which the container runtime would read as an option; write e.g. 'localhost/tools:1' or 'debian@sha256:<64 hex digits>'")
    }

    @Test("network must be a boolean")
    func networkType() {
        #expect(diagnostics("name: demo\nstages:\n  a: {run: echo, network: 'yes'}\n")
            == "w.yaml:3:27: error: 'network' of stage 'a' must be true or false, got the quoted string 'yes'; drop the quotes")
    }

    @Test("placeholders in container are refused: an image is the same for every instance")
    func placeholders() {
        #expect(diagnostics("""
        name: demo
        stages:
          a:
            foreach: [x, y]
            container: tools:${each.key}
            run: echo
        """) == "w.yaml:5:16: error: placeholder in 'container' of stage 'a' is not expanded: every instance of a fan-out runs in its template's image; write the image out, e.g. 'localhost/tools:1'")
        #expect(diagnostics("name: demo\nparams: {v: 1}\nstages:\n  a: {run: echo, container: 'tools:${params.v}'}\n")
            == "w.yaml:4:36: error: placeholder '${params.v}' in 'container' of stage 'a' is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. 'localhost/tools:1'")
    }

    @Test("the compiled workflow keeps container and network")
    func compiledRoundTrip() throws {
        let yaml = "name: demo\nstages:\n  a: {run: echo a, container: 'localhost/x:1', network: true}\n  b: {run: echo b}\n"
        let compiled = try TestWorkspace(yaml: yaml).compile()
        let bytes = compiled.encoded()
        let decoded = try bytes.withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded == compiled)
        #expect(decoded.workflow.stages[0].container == "localhost/x:1")
        #expect(decoded.workflow.stages[0].network)
        #expect(decoded.workflow.stages[1].container == nil)
    }

    @Test("a profile may name the container runtime; an unknown one is a load error")
    func profileRuntime() throws {
        let workflow = try load("name: demo\nprofiles:\n  lab: {container_runtime: docker}\nstages:\n  a: {run: echo}\n")
        #expect(workflow.profiles["lab"]?.containerRuntime == "docker")
        #expect(Profile(json: workflow.profiles["lab"]!.json) == workflow.profiles["lab"])
        #expect(diagnostics("name: demo\nprofiles:\n  lab: {container_runtime: nosuch}\nstages:\n  a: {run: echo}\n")
            == "w.yaml:3:28: error: unknown container runtime 'nosuch' in profile 'lab'; use podman, docker or apptainer (or a path to one of them)")
    }
}
