import Foundation
import Testing
@testable import LitMath
import DiffusionSchedulers

/// A diffusers `scheduler_config.json` pasted into a directive works as it is, and the fix hints of
/// `check` name the command the user actually runs.
@Suite("Pasted configurations and the command in hints")
struct PastedConfigurationDirectiveTests {
    /// Stable Diffusion 1.5's scheduler configuration, as YAML lines (PNDMScheduler).
    static let stableDiffusion15 = """
        _class_name: PNDMScheduler
        _diffusers_version: 0.6.0
        beta_end: 0.012
        beta_schedule: scaled_linear
        beta_start: 0.00085
        num_train_timesteps: 1000
        set_alpha_to_one: false
        skip_prk_steps: true
        steps_offset: 1
        trained_betas: null
        clip_sample: false

        """

    @Test("SD 1.5's PNDM config in a define with 'scheduler: DDIM' builds DDIM with it, warning once about skip_prk_steps")
    func defineOverridesTheClass() throws {
        let markdown = "# X\n\n```scheduler define\nname: sd\nscheduler: DDIM\n" + Self.stableDiffusion15 + "```\n\n"
            + "```scheduler table\nscheduler: sd\nnum_inference_steps: 10\nt: [0, 1]\ncolumns: [timesteps]\n```\n\n"
            + "Final {value}`sd.final_alpha_cumprod[0] = 0.99915` and first {value}`sd.alpha_cumprod[999] = 0.00466`.\n"
        let (html, diagnostics) = TestSite.article(markdown)
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        let warnings = diagnostics.filter { $0.severity == .warning }
        #expect(warnings.map(\.description) == ["content/x.md:13:1: warning: 'skip_prk_steps' is not a key of DDIMScheduler; ignored"], "\(warnings)")
        #expect(warnings.first?.notes == ["it is a key of PNDMScheduler; diffusers' from_config ignores it too"])
        // The numbers are DDIM's with this configuration: computed here through the library.
        let ddim = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: [
            "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "set_alpha_to_one": false, "steps_offset": 1,
        ]))
        try ddim.setTimesteps(10)
        #expect(ddim.timestepValues.prefix(2) == [901, 801])
        #expect(html.contains(">901<") && html.contains(">801<"), "steps_offset: 1 reached the table")
        #expect(html.contains(String(format: "%.5f", Double(ddim.finalAlphaCumprod))), "set_alpha_to_one: false reached the pin")
    }

    @Test("_class_name picks the class when no scheduler: is given")
    func classNamePicks() {
        let markdown = "# X\n\n```scheduler define\nname: sd\n_class_name: DDIMScheduler\nset_alpha_to_one: true\n```\n\nFinal {value}`sd.final_alpha_cumprod[0] = 1.0`.\n"
        let (_, diagnostics) = TestSite.article(markdown)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
    }

    @Test("The invocation name: swift run under a .build folder, the name as started otherwise", arguments: [
        ("/work/x/.build/debug/litmath", "swift run litmath"),
        (".build/x86_64-unknown-linux-gnu/release/litmath", "swift run litmath"),
        ("litmath", "litmath"),
        ("/usr/local/bin/litmath", "litmath"),
    ])
    func invocation(_ argv0: String, _ expected: String) {
        #expect(Invocation.command(argv0: argv0) == expected)
    }

    @Test("Outside a package, check says how to name one, with the command it was run by")
    func checkWithoutPackage() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        try TestSite.write(["e.md": "# E\n\n```swift example\nprint(1)\n```\n\n```output\n1\n```\n"], to: content)
        guard SwiftExamples.findPackageRoot(from: content) == nil else { return }  // LITMATH_PACKAGE is set here
        let log = TestLog()
        var action = CheckAction(content: content, output: site, log: { log.append($0) })
        action.command = "litmath"
        #expect(action.run() == 2)
        #expect(log.value.contains("fix: pass the package's folder, 'litmath check --package DIR', or set LITMATH_PACKAGE=DIR"), "\(log.value)")
    }

    @Test("check's fix hints use the command it was run by")
    func fixHintCommand() throws {
        let root = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content"), site = root.appendingPathComponent("site")
        try TestSite.write(["a.md": "# A\n\nText.\n"], to: content)
        let log = TestLog()
        var action = CheckAction(content: content, output: site, log: { log.append($0) })
        action.command = "litmath"
        #expect(action.run() == 1)
        #expect(log.value.contains("fix: run 'litmath build' and commit "), "\(log.value)")
        #expect(!log.value.contains("swift run"))
    }
}
