import Foundation

/// Wall-clock timing for benchmarks (monotonic clock).
public enum Stopwatch {
    /// Seconds taken by `body`.
    public static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The median of `repeats` timings of `body`, after `warmUp` untimed runs.
    public static func median(repeats: Int, warmUp: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        var times: [Double] = []
        for _ in 0..<max(1, repeats) { times.append(try time(body)) }
        times.sort()
        return times[times.count / 2]
    }
}
