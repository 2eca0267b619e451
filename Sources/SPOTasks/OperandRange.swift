/// An inclusive range of integers a generated problem may use, written `{"min": 2, "max": 9}`.
public struct OperandRange: Codable, Equatable, Sendable {
    /// The smallest value, at least 1.
    public var min: Int
    /// The largest value, at least `min`.
    public var max: Int

    /// Creates `min ... max`; `ArithmeticTask` checks that `1 <= min <= max`.
    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}
