/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a 64-bit state advanced by the golden-ratio increment and scrambled.
///
///     state ← state + 0x9E3779B97F4A7C15
///     z ← (state ⊕ (state >> 30)) · 0xBF58476D1CE4E5B9
///     z ← (z ⊕ (z >> 27)) · 0x94D049BB133111EB
///     output z ⊕ (z >> 31)
///
/// Written out here rather than taken from the standard library so that generated tasks
/// are the same on every platform and Swift version. Not for cryptography.
public struct SplitMix64: Sendable {
    /// The current state; the next output is a function of `state + increment`.
    public private(set) var state: UInt64

    /// The golden-ratio increment, ⌊2⁶⁴ / φ⌉ made odd.
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// A generator whose first output is `mix(seed + increment)`.
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for item `index` of stream `stream` under `seed`: the state is
    /// `mix(mix(seed ⊕ mix(stream)) ⊕ index)`, so items are independent of each other
    /// and of how many items are drawn, and different streams never share a state
    /// sequence in practice.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        state = Self.mix(Self.mix(seed ^ Self.mix(stream)) ^ index)
    }

    /// The SplitMix64 finaliser (a bijection on 64-bit words).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64-bit output.
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// A uniform integer in `range`, without modulo bias: with `n = range.count`, outputs
    /// below `2⁶⁴ mod n` are rejected and drawn again, which leaves a multiple of `n`
    /// equally likely outputs; the result is `lowerBound + output mod n`.
    public mutating func next(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let rejectBelow = (0 &- span) % span
        var value = next()
        while value < rejectBelow { value = next() }
        return range.lowerBound &+ Int(truncatingIfNeeded: value % span)
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func element<T>(of items: [T]) -> T {
        precondition(!items.isEmpty, "SplitMix64.element(of:) needs a non-empty array")
        return items[next(in: 0...(items.count - 1))]
    }
}
