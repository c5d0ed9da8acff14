import StudyCore
import Testing

/// Outcome of reading one stage's fan-out: its keys, or its diagnostics as text.
private enum Loaded: Equatable {
    case success([String])
    case failure(String)
}

/// The keys of the fan-out in `yaml` (one stage's mapping), or its diagnostics as text.
private func load(_ yaml: String, params: [String: JSONValue] = [:]) -> Loaded {
    do throws(WorkflowDiagnostics) {
        return .success(try WorkflowLoader().fanoutItems(stageText: yaml, file: "w.yaml", stage: "cox", params: params).map(\.key))
    } catch {
        return .failure(error.description)
    }
}

@Suite("fan-out keys read from YAML")
struct FanoutLoaderTests {
    @Test("foreach reads a list, a map and a parameter; matrix reads axes, exclude and include")
    func shapes() {
        #expect(load("foreach: [a, b, 3]\nrun: x") == .success(["a", "b", "3"]))
        #expect(load("foreach:\n  nsclc: {label: NSCLC}\n  melanoma: {label: Melanoma}\n") == .success(["nsclc", "melanoma"]))
        #expect(load("foreach: ${params.items}", params: ["items": .array([.string("x"), .string("y")])]) == .success(["x", "y"]))
        #expect(load("matrix:\n  model: [cox, km]\n  data: [msk]\n  exclude: [{model: km}]\n  include: [{model: aft, data: os}]\nname: ${matrix.data}_${matrix.model}\n")
                == .success(["msk_cox", "os_aft"]))
        #expect(load("run: x") == .success([]))
    }

    @Test("problems point at the item, the entry or the key that causes them")
    func positions() {
        #expect(load("foreach:\n  - a\n  - a b\n") == .failure(
            "w.yaml:3:5: error: item 2 ('a b') of stage 'cox' gives instance key 'a b'; keys use only letters, digits, '_', '.', '+' and '-': set 'name:' to a template that gives one, e.g. name: ${each.value.id}"))
        #expect(load("matrix:\n  model: [cox]\n  exclude:\n    - {model: km}\n") == .failure(
            "w.yaml:4:7: error: entry 1 of 'exclude' of stage 'cox' matches no combination of the matrix; check its values"))
        #expect(load("foreach: [a]\nname: ${each.kye}\n") == .failure(
            "w.yaml:2:7: error: undefined placeholder '${each.kye}' in 'name' of stage 'cox' for item 1 ('a'); did you mean '${each.key}'?"))
    }

    @Test("mistakes in the keys themselves are reported with a fix")
    func keyMistakes() {
        #expect(load("foreach: [a]\nmatrix: {m: [1]}\n") == .failure("w.yaml:2:1: error: stage 'cox' has both 'foreach' and 'matrix'; keep one of them"))
        #expect(load("name: x\nrun: y\n") == .failure("w.yaml:1:1: error: 'name' applies only to stages with 'foreach' or 'matrix'; stage 'cox' has neither"))
        #expect(load("foreach: ${params.itms}", params: ["items": .array([])]) == .failure(
            "w.yaml:1:10: error: undefined placeholder '${params.itms}' in 'foreach' of stage 'cox'; did you mean '${params.items}'? (workflow params: items)"))
        #expect(load("foreach: ${params.n}", params: ["n": .integer(3)]) == .failure(
            "w.yaml:1:10: error: parameter 'n' used in 'foreach' of stage 'cox' must be a list or a map, got 3"))
        #expect(load("foreach: abc") == .failure(
            "w.yaml:1:10: error: 'foreach' of stage 'cox' must be a list [a, b], a map {KEY: VALUE}, ${params.NAME} or {levels: {table: PATH, column: NAME}}, got 'abc'"))
        #expect(load("matrix: [a]") == .failure(
            "w.yaml:1:9: error: 'matrix' of stage 'cox' must be a mapping of axis to values, e.g. {model: [cox, km], seed: [1, 2]}, got a list"))
        #expect(load("matrix: {a-b: [1]}") == .failure(
            "w.yaml:1:10: error: bad axis name 'a-b' in 'matrix' of stage 'cox'; use letters, digits and '_', as in ${matrix.NAME}"))
    }

    @Test("levels read a table and a column, and expand only once the table exists")
    func levels() {
        #expect(load("foreach: {levels: {table: results/types.csv, column: type}}") == .failure(
            "w.yaml:1:10: error: stage 'cox' expands only after 'results/types.csv' is written; its instances are not known yet"))
        #expect(load("foreach: {levels: {table: t.csv}}") == .failure(
            "w.yaml:1:19: error: missing 'column' in 'levels' of 'foreach' of stage 'cox'; write {table: PATH, column: NAME}"))
    }
}
