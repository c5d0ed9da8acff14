import StudyCore
import Testing

private func keys(_ spec: FanoutSpec, stage: String = "cox") -> [String] {
    let expansion = spec.expand(stage: stage)
    #expect(expansion.problems == [])
    return expansion.items.map(\.key)
}

private func problems(_ spec: FanoutSpec, stage: String = "cox") -> [String] {
    spec.expand(stage: stage).problems.map(\.message)
}

private func axis(_ name: String, _ values: [JSONValue]) -> FanoutEntry { FanoutEntry(key: name, value: .array(values)) }
private func pair(_ name: String, _ value: JSONValue) -> FanoutEntry { FanoutEntry(key: name, value: value) }

@Suite("fan-out expansion")
struct FanoutTests {
    @Test("a scalar list makes one instance per item, keyed by its text")
    func scalarList() {
        let spec = FanoutSpec(source: .list([.string("msk"), .integer(7), .number(0.5), .bool(true)]))
        #expect(keys(spec) == ["msk", "7", "0.5", "true"])
        let item = spec.expand(stage: "cox").items[1]
        #expect(item.resolve(scope: "each", name: "key") == .value(.string("7")))
        #expect(item.resolve(scope: "each", name: "value") == .value(.integer(7)))
    }

    @Test("a map keeps its declaration order and gives nested fields")
    func mapItems() {
        let spec = FanoutSpec(source: .map([
            pair("nsclc", .object(["filter": .string("type == 'NSCLC'"), "meta": .object(["label": .string("NSCLC")])])),
            pair("melanoma", .object(["filter": .string("x")])),
        ]))
        #expect(keys(spec) == ["nsclc", "melanoma"])
        let item = spec.expand(stage: "cox").items[0]
        #expect(item.resolve(scope: "each", name: "key") == .value(.string("nsclc")))
        #expect(item.resolve(scope: "each", name: "value.meta.label") == .value(.string("NSCLC")))
        #expect(item.resolve(scope: "each", name: "valu.filter") == .undefined(suggestion: "each.value.filter"))
        #expect(item.resolve(scope: "params", name: "x") == .notThisScope)
    }

    @Test("a list or map parameter becomes a source; maps in sorted key order")
    func parameterSource() {
        #expect(FanoutSpec.foreach(param: .array([.string("a")])) == .list([.string("a")]))
        #expect(FanoutSpec.foreach(param: .object(["b": .integer(2), "a": .integer(1)]))
                == .map([pair("a", .integer(1)), pair("b", .integer(2))]))
        #expect(FanoutSpec.foreach(param: .string("a")) == nil)
    }

    @Test("a matrix expands row-major in axis order, keys joined by '-'")
    func matrixProduct() {
        let spec = FanoutSpec(source: .matrix(FanoutMatrix(axes: [
            axis("model", [.string("cox"), .string("km")]), axis("dataset", [.string("msk"), .string("imvigor")]),
        ])))
        #expect(keys(spec) == ["cox-msk", "cox-imvigor", "km-msk", "km-imvigor"])
        let item = spec.expand(stage: "fit").items[1]
        #expect(item.resolve(scope: "matrix", name: "dataset") == .value(.string("imvigor")))
        #expect(item.resolve(scope: "each", name: "value.model") == .value(.string("cox")))
        #expect(item.resolve(scope: "matrix", name: "datset") == .undefined(suggestion: "matrix.dataset"))
    }

    @Test("exclude drops partial matches and include appends full combinations")
    func excludeInclude() {
        let spec = FanoutSpec(source: .matrix(FanoutMatrix(
            axes: [axis("model", [.string("cox"), .string("km")]), axis("seed", [.integer(1), .integer(2)])],
            exclude: [[pair("model", .string("km")), pair("seed", .string("2"))], [pair("seed", .integer(1)), pair("model", .string("cox"))]],
            include: [[pair("seed", .integer(3)), pair("model", .string("weibull"))]])))
        #expect(keys(spec) == ["cox-2", "km-1", "weibull-3"])
    }

    @Test("exclude and include entries are checked against the axes")
    func matrixEntryErrors() {
        let spec = FanoutSpec(source: .matrix(FanoutMatrix(
            axes: [axis("model", [.string("cox")]), axis("seed", [.integer(1)])],
            exclude: [[pair("modle", .string("cox"))], [pair("model", .string("km"))]],
            include: [[pair("model", .string("km"))]])))
        #expect(problems(spec, stage: "fit") == [
            "entry 1 of 'exclude' of stage 'fit' names 'modle', which is not an axis of the matrix (axes: model, seed); did you mean 'model'?",
            "entry 1 of 'include' of stage 'fit' gives no value for axis 'seed'; an included combination names every axis",
        ])
        let unused = FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("model", [.string("cox")])], exclude: [[pair("model", .string("km"))]])))
        #expect(problems(unused, stage: "fit") == ["entry 1 of 'exclude' of stage 'fit' matches no combination of the matrix; check its values"])
        #expect(unused.expand(stage: "fit").problems.first?.origin == .exclude(0))
    }

    @Test("a name template sets the key")
    func nameTemplate() {
        let matrix = FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("model", [.string("cox")]), axis("dataset", [.string("msk"), .string("os")])])),
                                name: CommandTemplate("${matrix.model}_${matrix.dataset}"))
        #expect(keys(matrix) == ["cox_msk", "cox_os"])
        let map = FanoutSpec(source: .map([pair("a b", .object(["id": .string("ab")]))]), name: CommandTemplate("${each.value.id}"))
        #expect(keys(map) == ["ab"])
    }

    @Test("a name template naming nothing is reported once, with a suggestion")
    func nameTemplateErrors() {
        let spec = FanoutSpec(source: .map([pair("a", .object(["id": .string("x")])), pair("b", .object(["id": .string("y")]))]),
                              name: CommandTemplate("${each.value.idd}"))
        #expect(problems(spec) == [
            "undefined placeholder '${each.value.idd}' in 'name' of stage 'cox' for item 'a'; did you mean '${each.value.id}'?",
            "undefined placeholder '${each.value.idd}' in 'name' of stage 'cox' for item 'b'; did you mean '${each.value.id}'?",
        ])
        let params = FanoutSpec(source: .list([.string("a")]), name: CommandTemplate("${params.x}"))
        #expect(problems(params) == ["placeholder '${params.x}' in 'name' of stage 'cox' is not expanded there: only ${each.key}, ${each.value…} and ${matrix.AXIS} make a key"])
        let object = FanoutSpec(source: .map([pair("a", .object(["f": .object([:])]))]), name: CommandTemplate("${each.value}"))
        #expect(problems(object) == ["placeholder '${each.value}' in 'name' of stage 'cox' is a map for item 'a'; a key needs a string or a number"])
    }

    @Test("invalid, duplicate and empty keys are errors naming the stage and the item")
    func keyErrors() {
        let spec = FanoutSpec(source: .list([.string("a b"), .string("c"), .integer(1), .string("c"), .string("1")]))
        #expect(problems(spec) == [
            "item 1 ('a b') of stage 'cox' gives instance key 'a b'; keys use only letters, digits, '_', '.', '+' and '-': set 'name:' to a template that gives one, e.g. name: ${each.value.id}",
            "item 2 ('c') and item 4 ('c') of stage 'cox' both give instance key 'c'; each instance needs its own key: set 'name:' to a template that gives one, e.g. name: ${each.value.id}",
            "item 3 ('1') and item 5 ('1') of stage 'cox' both give instance key '1'; each instance needs its own key: set 'name:' to a template that gives one, e.g. name: ${each.value.id}",
        ])
        #expect(spec.expand(stage: "cox").problems.map(\.origin) == [.item(0), .item(3), .item(4)])
        #expect(problems(FanoutSpec(source: .list([]))) == ["'foreach' of stage 'cox' is an empty list; give at least one item"])
        #expect(problems(FanoutSpec(source: .map([]))) == ["'foreach' of stage 'cox' is an empty map; give at least one item"])
        #expect(problems(FanoutSpec(source: .list([.array([])]))) == [
            "item 1 of 'foreach' of stage 'cox' is a list; list items must be strings or numbers: for items with fields, write a map {KEY: {FIELD: …}}",
        ])
        let collide = FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("a", [.string("x-y"), .string("x")]), axis("b", [.string("z"), .string("y-z")])])))
        #expect(problems(collide).count == 1)
    }

    @Test("an instance id longer than a stage id may be is an error")
    func longKey() {
        let key = String(repeating: "k", count: 197)
        #expect(problems(FanoutSpec(source: .list([.string(key)])), stage: "cox").first?.hasPrefix("instance 'cox@kkkkkkkkkkkkkkkkkkkkkkkk…' of item 1") == true)
        #expect(problems(FanoutSpec(source: .list([.string(String(key.dropLast()))])), stage: "cox") == [])
    }

    @Test("matrix axes must be non-empty lists of scalars, and the product is bounded")
    func matrixShape() {
        #expect(problems(FanoutSpec(source: .matrix(FanoutMatrix(axes: [])))) == ["'matrix' of stage 'cox' has no axes; write e.g. matrix: {model: [cox, km]}"])
        #expect(problems(FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("a", [])])))) == ["axis 'a' of 'matrix' of stage 'cox' must be a non-empty list of values, got an empty list"])
        #expect(problems(FanoutSpec(source: .matrix(FanoutMatrix(axes: [pair("a", .string("x"))])))) == ["axis 'a' of 'matrix' of stage 'cox' must be a non-empty list of values, got a string"])
        let thousand = (0..<1000).map { JSONValue.integer($0) }
        let big = FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("a", thousand), axis("b", thousand), axis("c", [.integer(1), .integer(2)])])))
        #expect(problems(big) == ["stage 'cox' would expand to 2000000 instances, over the limit of 1000000; split the stage"])
    }

    @Test("100,000 instances expand with distinct keys")
    func scale() {
        let values = (0..<1000).map { JSONValue.integer($0) }
        let spec = FanoutSpec(source: .matrix(FanoutMatrix(axes: [axis("a", Array(values.prefix(100))), axis("b", values)])))
        let expansion = spec.expand(stage: "sim")
        #expect(expansion.problems == [])
        #expect(expansion.items.count == 100_000)
        #expect(expansion.items.last?.key == "99-999")
    }

    @Test("data levels map to keys, keeping letters, digits and '_.+-'")
    func levelKeys() {
        #expect(FanoutItem.key(forLevel: "Skin Cancer, Non-Melanoma") == "Skin_Cancer_Non-Melanoma")
        #expect(FanoutItem.key(forLevel: " (NSCLC) ") == "NSCLC")
        #expect(FanoutItem.key(forLevel: "ü") == nil)
        #expect(FanoutItem.isKey("a.b+c-d_e") && !FanoutItem.isKey("a/b") && !FanoutItem.isKey(""))
        #expect(problems(FanoutSpec(source: .levels(table: "t.csv", column: "type"))) == ["stage 'cox' expands only after 't.csv' is written; its instances are not known yet"])
    }

    @Test("an item's key depends only on that item")
    func keysAreLocal() {
        let before = FanoutSpec(source: .list([.string("a"), .string("b"), .string("c")])).expand(stage: "s").items
        let after = FanoutSpec(source: .list([.string("a"), .string("B2"), .string("c"), .string("d")])).expand(stage: "s").items
        #expect(before[0] == after[0] && before[2] == after[2])
    }
}
