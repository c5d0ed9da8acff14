/// The instances one fan-out template expanded to: stages `TEMPLATE@KEY`, contiguous in
/// `Workflow.stages`, with each instance's item kept here once (never in `Stage`, which exists
/// 100,000 times at scale).
public struct FanoutGroup: Sendable, Equatable {
    /// The template's stage id as written (`cox`); instances are `cox@KEY`.
    public var template: String
    /// The instances' indices in `Workflow.stages`, in instance order.
    public var stages: Range<Int>
    /// Where the template's id is written.
    public var location: SourceLocation
    /// Each instance's item, in instance order (`items[i]` belongs to `stages.lowerBound + i`).
    public var items: [FanoutItem]

    /// Creates a group; `items.count` must equal `stages.count`.
    public init(template: String, stages: Range<Int>, location: SourceLocation, items: [FanoutItem]) {
        self.template = template
        self.stages = stages
        self.location = location
        self.items = items
    }

    /// The instance id of `item`: `TEMPLATE@KEY`.
    public func instanceID(_ item: FanoutItem) -> String { template + "@" + item.key }
}

/// A gathered input: `inputs: {models: {each: cox, output: result, where: {…}}}` on stage
/// `stage` reads output `output` of every (matching) instance of `template`, in instance order.
/// The loader adds one `Artifact` named `input` per instance to the stage's inputs, so edges,
/// keys and `${inputs.models}` work as for any input; this record keeps the instances' labels.
public struct Gather: Sendable, Equatable {
    /// Index of the stage that reads the gathered outputs.
    public var stage: Int
    /// The input's name on that stage (`models`).
    public var input: String
    /// The fanned-out stage's template id (`cox`).
    public var template: String
    /// The output name read from each instance (`result`).
    public var output: String
    /// Indices in `Workflow.stages` of the instances gathered, in instance order.
    public var instances: [Int]

    /// Creates a gather record.
    public init(stage: Int, input: String, template: String, output: String, instances: [Int]) {
        self.stage = stage
        self.input = input
        self.template = template
        self.output = output
        self.instances = instances
    }
}

/// One instance's output as a gathered input hands it to a built-in kind: a forest plot draws one
/// block per entry, titled `label`.
public struct GatheredInput: Sendable, Equatable, Hashable {
    /// The item's `label` field when it has a scalar one, else the instance key.
    public var label: String
    /// The instance key (`nsclc`).
    public var key: String
    /// The instance's stage id (`cox@nsclc`).
    public var stage: String
    /// The output's path (workspace-relative from `Workflow`, absolute in `StageKindContext`).
    public var path: String

    /// Creates an entry.
    public init(label: String, key: String, stage: String, path: String) {
        self.label = label
        self.key = key
        self.stage = stage
        self.path = path
    }
}

extension FanoutItem {
    /// How a gathered input labels this item: its `label` field when it is a scalar, else its key.
    public var label: String {
        if case .object(let fields) = value, let label = fields["label"], label.isScalar { return label.scalarText }
        return key
    }
}

extension Workflow {
    /// The fan-out group and item index of stage `index`, or `nil` for a plain stage.
    /// - Complexity: O(log groups), a binary search over the groups' ranges.
    public func fanout(of index: Int) -> (group: Int, item: Int)? {
        var low = 0, high = fanouts.count
        while low < high {
            let mid = (low + high) / 2
            let range = fanouts[mid].stages
            if index < range.lowerBound { high = mid } else if index >= range.upperBound { low = mid + 1 } else {
                return (mid, index - range.lowerBound)
            }
        }
        return nil
    }

    /// The template id of stage `index` (`cox` for `cox@msk`), or `nil` for a plain stage.
    public func template(of index: Int) -> String? {
        fanout(of: index).map { fanouts[$0.group].template }
    }

    /// The item of instance `index`, which `${each…}` and `${matrix…}` in its `run` expand from;
    /// `nil` for a plain stage.
    public func item(of index: Int) -> FanoutItem? {
        fanout(of: index).map { fanouts[$0.group].items[$0.item] }
    }

    /// The fan-out group whose template id is `template`.
    public func fanoutGroup(named template: String) -> FanoutGroup? {
        fanouts.first { $0.template == template }
    }

    /// The gathered inputs of stage `index` by input name, each a labelled list in instance
    /// order with workspace-relative paths; empty when the stage gathers nothing.
    public func gathered(forStage index: Int) -> [String: [GatheredInput]] {
        var result: [String: [GatheredInput]] = [:]
        for gather in gathers where gather.stage == index {
            result[gather.input] = gather.instances.compactMap { instance in
                guard let item = item(of: instance), let path = stages[instance].output(named: gather.output)?.path else { return nil }
                return GatheredInput(label: item.label, key: item.key, stage: stages[instance].id, path: path)
            }
        }
        return result
    }
}
