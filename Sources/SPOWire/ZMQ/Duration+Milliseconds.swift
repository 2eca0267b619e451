extension Duration {
    /// Whole milliseconds, rounded up so a timeout never fires early, clamped to
    /// `0...Int32.max` (libzmq's option and poll type).
    var roundedUpMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let extra = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int32.max }
        return Int32(clamping: milliseconds + extra)
    }
}
