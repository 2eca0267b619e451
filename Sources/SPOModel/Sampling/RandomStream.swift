/// A reproducible stream of random numbers: xoshiro256** (Blackman & Vigna, "Scrambled
/// linear pseudorandom number generators", 2021) seeded through SplitMix64.
///
/// State: four `UInt64` words, never all zero. Step:
///
///     result = rotl(s1 · 5, 7) · 9
///     t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
///
/// `init(seed:)` fills the state with the first four SplitMix64 outputs from `seed`, as
/// the xoshiro authors recommend. `init(seed:stream:)` XORs those with the first four
/// SplitMix64 outputs from a stream-dependent seed, so each (seed, stream) pair, e.g.
/// (run seed, sequence index), has its own unrelated state.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// State = first four SplitMix64 outputs starting from `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// State = `init(seed:)` state XOR the first four SplitMix64 outputs starting from
    /// `stream · 0xD1B54A32D192ED03 + 0x6A09E667F3BCC909` (constants chosen only to move
    /// stream seeds away from small run seeds).
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed)
        var mixer = SplitMix64(state: stream &* 0xD1B5_4A32_D192_ED03 &+ 0x6A09_E667_F3BC_C909)
        s0 ^= mixer.next()
        s1 ^= mixer.next()
        s2 ^= mixer.next()
        s3 ^= mixer.next()
        if s0 | s1 | s2 | s3 == 0 {
            s0 = 1
        }
    }

    /// Uses `state` as (s0, s1, s2, s3) directly; for checking against reference outputs.
    /// The state must not be all zero.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(
            state.0 | state.1 | state.2 | state.3 != 0,
            "RandomStream(state:): the all-zero state is a fixed point of xoshiro256**; "
                + "use any other state")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    /// Uniform in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1): the top 24 bits of `next()` times 2⁻²⁴.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform integer in `0 ..< bound`, unbiased (Lemire, "Fast random integer generation
    /// in an interval", 2019: multiply-shift with rejection of the short first interval).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "RandomStream.nextInt(below:): bound is \(bound); it must be >= 1")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// 2014): `state += 0x9E3779B97F4A7C15`, then two xor-shift-multiply rounds of the state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    /// Bits rotated left by `count` (0 < count < 64).
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
