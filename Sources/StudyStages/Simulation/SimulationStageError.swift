/// A problem a simulation stage meets while running (reading an input, writing an output).
struct SimulationStageError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
