/// Seeds of the run's random streams, all derived from the spec's one seed and a name,
/// so that every stage, replica and request draws the same numbers in every run with the
/// same seed, whichever process does the work (Swift's `Hasher` is randomised per
/// process, so it is not used).
///
///     seed(run, name) = SplitMix64 finaliser of (run ⊕ FNV-1a-64(name))
public enum SeedDerivation {
    /// The seed of the stream called `name` in a run seeded with `runSeed`.
    public static func seed(_ runSeed: UInt64, _ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var z = runSeed ^ hash
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
