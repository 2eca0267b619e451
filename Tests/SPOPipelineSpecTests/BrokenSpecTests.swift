import Foundation
import XCTest
import SPOPipelineSpec

/// A spec with mistakes and the issues it must give: each expected issue is its JSON
/// path (`$` plus line:column for text that is not JSON) and a fragment of its message.
/// The spec must give exactly these issues, no more.
struct BrokenSpec {
    let name: String
    let json: Data
    let expected: [(path: String, fragment: String)]

    init(_ name: String, _ spec: JSONValue, _ expected: [(String, String)]) {
        self.name = name
        self.json = TestSpecs.data(spec)
        self.expected = expected.map { (path: $0.0, fragment: $0.1) }
    }

    init(_ name: String, text: String, _ expected: [(String, String)]) {
        self.name = name
        self.json = Data(text.utf8)
        self.expected = expected.map { (path: $0.0, fragment: $0.1) }
    }
}

final class BrokenSpecTests: XCTestCase {
    static let chain = TestSpecs.minimal("spo-chain")
    static let twoHosts: JSONValue = ["gpu1": ["address": "10.0.0.2"], "cpu1": ["address": "10.0.0.1"]]

    static let cases: [BrokenSpec] = [
        // Types
        BrokenSpec("a number written as a string", chain.setting("optimize.clip_epsilon", to: "0.2"), [
            ("$.optimize.clip_epsilon", "expected a number in (0, 1), found \"0.2\" (a string)"),
        ]),
        BrokenSpec("a boolean written as a string", chain.setting("optimize.whiten_advantages", to: "yes"), [
            ("$.optimize.whiten_advantages", "expected true or false, found \"yes\" (a string)"),
        ]),
        BrokenSpec("a section that is not an object", chain.setting("sampling", to: [0.6, 0.9]), [
            ("$.sampling", "expected an object, found an array of 2 elements"),
        ]),
        BrokenSpec("a fraction where an integer belongs", chain.setting("stages.value.replicas", to: 1.5), [
            ("$.stages.value.replicas", "expected an integer >= 1, found 1.5 (not an integer)"),
        ]),
        BrokenSpec("an integer beyond 64 bits", chain.setting("iterations", to: 1e300), [
            ("$.iterations", "found 1e+300 (too large)"),
        ]),
        BrokenSpec("an empty path", chain.setting("tokenizer", to: ""), [
            ("$.tokenizer", "expected the path of a tokenizer file, found \"\" (a string)"),
        ]),
        BrokenSpec("the whole spec is an array", text: "[1, 2]", [
            ("$", "expected a JSON object (the pipeline spec), found an array of 2 elements"),
        ]),
        // Ranges
        BrokenSpec("replicas below 1", chain.setting("stages.value.replicas", to: 0), [
            ("$.stages.value.replicas", "expected an integer >= 1, found 0"),
        ]),
        BrokenSpec("probability mask threshold 0", chain.setting("optimize.probability_mask.threshold", to: 0), [
            ("$.optimize.probability_mask.threshold", "expected a number in (0, 1], found 0"),
        ]),
        BrokenSpec("probability mask threshold above 1", chain.setting("optimize.probability_mask.threshold", to: 1.5), [
            ("$.optimize.probability_mask.threshold", "expected a number in (0, 1], found 1.5"),
        ]),
        BrokenSpec("a negative evaluation temperature", chain.setting("evaluation.temperature", to: -0.35), [
            ("$.evaluation.temperature", "expected a number >= 0, found -0.35"),
        ]),
        BrokenSpec("a base port below 1024", chain.setting("base_port", to: 80), [
            ("$.base_port", "expected an integer from 1024 to 65535, found 80"),
        ]),
        BrokenSpec("a tree level with one child", TestSpecs.minimal("spo-tree").setting("tree.branching", to: [6, 1, 6]), [
            ("$.tree.branching[1]", "expected an integer >= 2, found 1"),
        ]),
        BrokenSpec("an empty branching list", TestSpecs.minimal("spo-tree").setting("tree.branching", to: []), [
            ("$.tree.branching", "expected a non-empty array of integers >= 2, found an array of 0 elements"),
        ]),
        BrokenSpec("a learning rate that decays upwards",
                   chain.setting("optimize.learning_rate", to: ["peak": 1e-4, "final": 1e-3]), [
            ("$.optimize.learning_rate.final", "expected a number in [0, 0.0001] (at most peak), found 0.001"),
        ]),
        // Unknown keys and values
        BrokenSpec("a misspelt key", chain.setting("optimize.clip_epsilom", to: 0.2), [
            ("$.optimize.clip_epsilom", "expected a key of optimize, found unknown key \"clip_epsilom\"; did you mean \"clip_epsilon\"?"),
        ]),
        BrokenSpec("a misspelt required key", chain.setting([("iterations", nil), ("iteration", 3)]), [
            ("$.iterations", "expected an integer >= 1, found nothing (the key is missing)"),
            ("$.iteration", "did you mean \"iterations\"?"),
        ]),
        BrokenSpec("a key nothing resembles", chain.setting("sampling.banana", to: 1), [
            ("$.sampling.banana", "the keys of sampling are \"temperature\", \"top_p\""),
        ]),
        BrokenSpec("a misspelt stage", chain.setting("stages.valu", to: ["replicas": 2]), [
            ("$.stages.valu", "did you mean \"value\"?"),
        ]),
        BrokenSpec("a misspelt method", chain.setting("method", to: "spo_chain"), [
            ("$.method", "found \"spo_chain\" (a string); did you mean \"spo-chain\"?"),
        ]),
        BrokenSpec("no method", chain.setting("method", to: nil), [
            ("$.method", "expected one of \"spo-chain\", \"spo-tree\", \"treepo\", \"grpo\", \"rloo\", \"ppo\", \"vineppo\", found nothing"),
        ]),
        BrokenSpec("an estimator we do not have", chain.setting("optimize.kl.estimator", to: "k2"), [
            ("$.optimize.kl.estimator", "expected one of \"k3\", found \"k2\" (a string)"),
        ]),
        BrokenSpec("a key of another partition kind", chain.setting("partition", to: ["segments": 4]), [
            ("$.partition.segments", "expected a key of partition kind cutpoint, found unknown key \"segments\"; \"segments\" belongs to partition kind \"fixed\""),
        ]),
        BrokenSpec("warm-up in the wrong section", chain.setting("optimize.warmup_fraction", to: 0.03), [
            ("$.optimize.warmup_fraction", "warmup_fraction belongs in optimize.learning_rate"),
        ]),
        BrokenSpec("edges written by hand", chain.setting("edges", to: ["samples": "ipc://x"]), [
            ("$.edges", "edges are computed from stages and hosts"),
        ]),
        BrokenSpec("init_seed with a checkpoint", chain.setting("model.init_seed", to: 3), [
            ("$.model.init_seed", "init_seed goes with \"config\""),
        ]),
        // Required keys and the task
        BrokenSpec("a model with both sources", chain.setting("model.config", to: "configs/models/tiny.json"), [
            ("$.model", "expected one of \"checkpoint\" and \"config\", found both"),
        ]),
        BrokenSpec("an arithmetic task without its config", chain.setting("task.config", to: nil), [
            ("$.task.config", "expected the path of the task's config file, found nothing (the key is missing)"),
        ]),
        BrokenSpec("a jsonl task without its test split",
                   chain.setting("task", to: ["kind": "gsm8k_jsonl", "train": "data/train.jsonl"]), [
            ("$.task.test", "expected the path of the test split (JSON lines), found nothing"),
        ]),
        BrokenSpec("an unknown task kind", chain.setting("task.kind", to: "gsm8k"), [
            ("$.task.kind", "did you mean \"gsm8k_jsonl\"?"),
        ]),
        BrokenSpec("a name with a space", chain.setting("name", to: "my run"), [
            ("$.name", "expected a name of letters, digits"),
        ]),
        // Inconsistent combinations
        BrokenSpec("GRPO with Monte Carlo values", TestSpecs.minimal("grpo").setting("value", to: ["kind": "monte_carlo"]), [
            ("$.value.kind", "expected a value kind that advantage kind \"grpo\" works with (\"none\"), found \"monte_carlo\" (a string); advantage grpo uses only the responses' rewards"),
        ]),
        BrokenSpec("an advantage the preset's partition cannot feed", chain.setting("advantage", to: ["kind": "grpo"]), [
            ("$.advantage.kind", "expected an advantage kind that works with partition kind \"cutpoint\", found \"grpo\" (a string)"),
        ]),
        BrokenSpec("GAE without a critic", chain.setting([("partition", ["kind": "whole"]), ("advantage", ["kind": "gae"])]), [
            ("$.advantage.kind", "expected an advantage kind that works with value kind \"monte_carlo\""),
        ]),
        BrokenSpec("partition tree without a tree section",
                   chain.setting([("partition", ["kind": "tree"]), ("value", ["kind": "tree"]), ("advantage", ["kind": "tree"])]), [
            ("$.tree", "expected a tree section (partition kind tree takes its boundaries from a sampling tree), found nothing"),
        ]),
        BrokenSpec("a tree section without partition tree", TestSpecs.minimal("grpo").setting("tree", to: ["kind": "spo_tree"]), [
            ("$.tree", "expected no tree section (partition kind is \"whole\"), found an object"),
        ]),
        BrokenSpec("segments that fill the length limit", TestSpecs.minimal("spo-tree").setting("sampling.max_tokens", to: 48), [
            ("$.tree.segment_tokens", "expected an integer from 1 to 23: the first 2 of 3 levels have segment_tokens tokens each"),
        ]),
        BrokenSpec("samples per prompt with tree sampling", TestSpecs.minimal("spo-tree").setting("sampling.samples_per_prompt", to: 8), [
            ("$.sampling.samples_per_prompt", "expected no samples_per_prompt (with partition kind tree the tree sets the responses per prompt), found 8"),
        ]),
        BrokenSpec("RLOO with one sample per prompt", TestSpecs.minimal("rloo").setting("sampling.samples_per_prompt", to: 1), [
            ("$.sampling.samples_per_prompt", "expected an integer >= 2, found 1; advantage rloo compares each response"),
        ]),
        BrokenSpec("TreePO starting wider than its leaf budget",
                   TestSpecs.minimal("treepo").setting("tree", to: ["initial_copies": 4, "leaf_budget": 3]), [
            ("$.tree.initial_copies", "expected an integer from 1 to leaf_budget (3), found 4"),
        ]),
        BrokenSpec("a value loss without a critic", chain.setting("optimize.value_loss", to: ["coefficient": 0.5]), [
            ("$.optimize.value_loss", "expected no value_loss (it trains the critic of value kind \"critic\"; value kind is \"monte_carlo\")"),
        ]),
        BrokenSpec("replay outside SPO-tree", chain.setting("optimize.replay", to: ["enabled": true]), [
            ("$.optimize.replay", "expected no replay"),
        ]),
        BrokenSpec("a micro-batch that does not divide the batch",
                   chain.setting([("optimize.batch_size", 64), ("optimize.micro_batch_size", 24)]), [
            ("$.optimize.micro_batch_size", "expected an integer that divides batch_size (64), found 24"),
        ]),
        BrokenSpec("a default batch larger than the iteration",
                   chain.setting([("sampling.prompts_per_iteration", 4), ("sampling.samples_per_prompt", 4)]), [
            ("$.optimize.batch_size", "expected an integer from 1 to 16, one iteration's samples (prompts_per_iteration 4 × samples_per_prompt 4), found 64 (the default of method spo-chain)"),
        ]),
        // Placement
        BrokenSpec("an unknown host", chain.setting([("hosts", twoHosts), ("stages.value.host", "gpu")]), [
            ("$.stages.value.host", "expected a host defined in hosts (\"local\", \"cpu1\", \"gpu1\"), found \"gpu\" (a string); did you mean \"gpu1\"?"),
        ]),
        BrokenSpec("two optimizers", chain.setting("stages.optimize.replicas", to: 2), [
            ("$.stages.optimize.replicas", "expected the integer 1, found 2; one optimizer holds the policy"),
        ]),
        BrokenSpec("endpoints on a stage that binds nothing", chain.setting("stages.value.endpoints", to: ["segmented": "ipc:///tmp/s"]), [
            ("$.stages.value.endpoints.segmented", "expected a key of the endpoints of value (value binds no edge, only its tap), found unknown key \"segmented\"; edge segmented is bound by partition: stages.partition.endpoints.segmented"),
        ]),
        BrokenSpec("an endpoint for an edge bound elsewhere", chain.setting("stages.partition.endpoints", to: ["samples": "ipc:///tmp/s"]), [
            ("$.stages.partition.endpoints.samples", "edge samples is bound by optimize: stages.optimize.endpoints.samples"),
        ]),
        BrokenSpec("a tap endpoint per replica", chain.setting([("stages.generate.replicas", 2), ("stages.generate.endpoints.tap", "tcp://10.0.0.2:7000")]), [
            ("$.stages.generate.endpoints.tap", "expected an array of 2 endpoints, one per replica of generate"),
        ]),
        BrokenSpec("a tap bound where an edge is", chain.setting("stages.optimize.endpoints.tap", to: "ipc://runs/t/sockets/samples"), [
            ("$.stages.optimize.endpoints.tap", "expected an endpoint no other edge binds, found \"ipc://runs/t/sockets/samples\", also bound by edge samples"),
        ]),
        BrokenSpec("an empty stage command", chain.setting("stages.advantage.command", to: []), [
            ("$.stages.advantage.command", "expected a non-empty array of strings: the program, then its arguments, found an array of 0 elements"),
        ]),
        BrokenSpec("a stage command that is a string", chain.setting("stages.advantage.command", to: "python3 a.py"), [
            ("$.stages.advantage.command", "expected a non-empty array of strings: the program, then its arguments, found \"python3 a.py\" (a string)"),
        ]),
        BrokenSpec("a stage command with a number and an empty word", chain.setting("stages.value.command", to: ["python3", 3, ""]), [
            ("$.stages.value.command[1]", "expected a non-empty string, found 3"),
            ("$.stages.value.command[2]", "expected a non-empty string, found \"\" (a string)"),
        ]),
        BrokenSpec("an endpoint without a port", chain.setting("stages.optimize.endpoints.samples", to: "tcp://10.0.0.1"), [
            ("$.stages.optimize.endpoints.samples", "expected an endpoint \"ipc://PATH\" or \"tcp://HOST:PORT\", found \"tcp://10.0.0.1\" (a string)"),
        ]),
        BrokenSpec("one endpoint for two replicas",
                   chain.setting([("stages.partition.replicas", 2), ("stages.partition.endpoints.rollouts", "ipc:///tmp/r")]), [
            ("$.stages.partition.endpoints.rollouts", "expected an array of 2 endpoints, one per replica of partition"),
        ]),
        BrokenSpec("ipc between hosts",
                   chain.setting([("hosts", twoHosts), ("stages.generate.host", "gpu1"),
                                  ("stages.partition.endpoints.rollouts", "ipc:///tmp/rollouts")]), [
            ("$.stages.partition.endpoints.rollouts", "expected a tcp:// endpoint (edge rollouts joins hosts gpu1, local; ipc reaches one host only)"),
            ("$.driver.host", "expected an address other hosts can reach (edge prompts joins hosts gpu1, local), found \"local\" (the default), whose address is 127.0.0.1; define hosts.local.address"),
        ]),
        BrokenSpec("a loopback address another host must reach",
                   chain.setting([("hosts", ["a": ["address": "127.0.0.1"], "b": ["address": "10.0.0.2"]]),
                                  ("stages.generate.host", "b"), ("stages.partition.host", "a"), ("stages.value.host", "a"),
                                  ("stages.advantage.host", "a"), ("stages.optimize.host", "a")]), [
            ("$.hosts.a.address", "expected an address other hosts can reach (edge prompts joins hosts a, b), found \"127.0.0.1\" (a loopback address)"),
        ]),
        BrokenSpec("two edges bound at one port",
                   chain.setting([("hosts", twoHosts), ("stages.generate.host", "gpu1"), ("stages.value.host", "gpu1"),
                                  ("driver.host", "cpu1"), ("stages.partition.host", "cpu1"), ("stages.advantage.host", "cpu1"),
                                  ("stages.optimize.host", "cpu1"), ("stages.optimize.endpoints.samples", "tcp://10.0.0.1:5550")]), [
            ("$.stages.optimize.endpoints.samples", "expected an endpoint no other edge binds, found \"tcp://10.0.0.1:5550\", also bound by edge prompts"),
        ]),
        BrokenSpec("a run directory too deep for ipc sockets",
                   chain.setting("run_directory", to: .string("runs/" + String(repeating: "deep/", count: 20))), [
            ("$.run_directory", "expected a directory short enough for its ipc socket paths (at most 107 bytes;"),
        ]),
        // Text that is not JSON
        BrokenSpec("a trailing comma", text: "{\n  \"name\": \"t\",\n}", [
            ("$", "test.json:3:1: expected a key in double quotes (a trailing comma is not allowed in JSON), found '}'"),
        ]),
        BrokenSpec("a comment", text: "{\n  // the method\n  \"method\": \"grpo\"\n}", [
            ("$", "test.json:2:3: expected a key in double quotes (JSON has no comments), found '/'"),
        ]),
        BrokenSpec("a missing comma", text: "{\n  \"name\": \"t\"\n  \"method\": \"grpo\"\n}", [
            ("$", "test.json:3:3: expected ',' or '}' after the value of \"name\", found '\"'"),
        ]),
        BrokenSpec("a cut-off file", text: "{\"name\": \"t\", \"seed\": ", [
            ("$", "test.json:1:23: expected a value, found the end of the input"),
        ]),
        BrokenSpec("a repeated key", text: """
            {"name": "t", "method": "grpo", "seed": 1, "model": {"checkpoint": "c"}, "tokenizer": "k",
             "task": {"kind": "arithmetic", "config": "a"}, "iterations": 2, "seed": 2}
            """, [
            ("$.seed", "expected each key once in an object, found \"seed\" 2 times"),
        ]),
        // Several mistakes at once: every one is reported.
        BrokenSpec("six mistakes in one spec",
                   TestSpecs.minimal("grpo").setting([
                       ("iterations", 0), ("sampling.top_p", 0), ("value", ["kind": "monte_carlo"]),
                       ("optimize.clip_epsilon", "0.2"), ("stages.value.replicas", 0), ("stages.generate.hots", "local"),
                   ]), [
            ("$.iterations", "expected an integer >= 1, found 0"),
            ("$.sampling.top_p", "expected a number in (0, 1], found 0"),
            ("$.value.kind", "expected a value kind that advantage kind \"grpo\" works with"),
            ("$.optimize.clip_epsilon", "found \"0.2\" (a string)"),
            ("$.stages.value.replicas", "expected an integer >= 1, found 0"),
            ("$.stages.generate.hots", "did you mean \"host\"?"),
        ]),
    ]

    func testEveryBrokenSpecGivesExactlyItsIssues() {
        XCTAssertGreaterThanOrEqual(Self.cases.count, 20)
        for broken in Self.cases {
            let issues = PipelineSpec.validate(json: broken.json, sourceName: "test.json")
            let listing = issues.map(\.description).joined(separator: "\n")
            XCTAssertEqual(issues.count, broken.expected.count, "\(broken.name): got\n\(listing)")
            for expected in broken.expected {
                XCTAssertTrue(
                    issues.contains { $0.path == expected.path && $0.description.contains(expected.fragment) },
                    "\(broken.name): no issue at \(expected.path) containing «\(expected.fragment)»; got\n\(listing)")
            }
        }
    }

    func testIssuePrintsSourcePathExpectedAndFound() {
        let issues = PipelineSpec.validate(
            json: TestSpecs.data(Self.chain.setting("optimize.clip_epsilon", to: "0.2")), sourceName: "pipelines/x.json")
        XCTAssertEqual(
            issues.map(\.description),
            ["pipelines/x.json: $.optimize.clip_epsilon: expected a number in (0, 1), found \"0.2\" (a string)"])
    }

    func testResolveThrowsEveryIssue() {
        let spec = Self.chain.setting([("iterations", 0), ("seed", -1)])
        XCTAssertThrowsError(try TestSpecs.resolve(spec)) { error in
            guard let error = error as? PipelineSpecError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.issues.map(\.path), ["$.seed", "$.iterations"])
            XCTAssertTrue(error.description.hasSuffix("\n2 errors"), error.description)
        }
    }

    func testKeyPathsThatAreNotIdentifiersAreBracketed() {
        let spec = Self.chain.setting("hosts", to: ["gpu 1": ["address": "10.0.0.2"]])
        let issues = PipelineSpec.validate(json: TestSpecs.data(spec), sourceName: "test.json")
        XCTAssertEqual(issues.map(\.path), ["$.hosts[\"gpu 1\"]"])
    }
}
