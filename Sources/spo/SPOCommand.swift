import ArgumentParser

/// The user command line of Segment Policy Optimization.
@main
struct SPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spo",
        abstract: "Segment Policy Optimization: reinforcement learning with segment-level credit for language models.",
        subcommands: [SFT.self, Eval.self, Validate.self, Score.self, Bench.self, Run.self, Tap.self])
}
