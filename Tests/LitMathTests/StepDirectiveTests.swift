import DiffusionSchedulers
import Testing
@testable import LitMath

/// Step quantities in tables, plots and inline values: the numbers are the library's step plans
/// (computed here through the public API), and their misuse is a located error.
@Suite("Step quantities in directives")
struct StepDirectiveTests {
    /// The records of the page's first directive, with no diagnostics.
    static func records(_ text: String) throws -> [ValueRecord] {
        let (page, diagnostics) = PageParser.parse(text: text, sourcePath: "s.md", displayPath: "content/s.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(page.directives.first?.records)
    }

    static func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }

    @Test("A DDIM table with η per column shows the library's σ_t(η) and update coefficients")
    func ddimTable() throws {
        let records = try Self.records("""
        ```scheduler table
        scheduler: DDIM
        set_alpha_to_one: false
        num_inference_steps: 10
        t: [0, 4, 9]
        columns:
          - {label: prev, quantity: prev_timesteps}
          - {label: a_prev, quantity: alpha_cumprod_prev}
          - {label: var, quantity: ddim_variance}
          - {label: s0, quantity: ddim_sigma, eta: 0}
          - {label: s05, quantity: ddim_sigma, eta: 0.5}
          - {label: s1, quantity: ddim_sigma, eta: 1}
          - {label: x0, quantity: coeff_x0, eta: 1}
          - {label: dir, quantity: coeff_direction, eta: 1}
          - {label: xt, quantity: coeff_x_t, eta: 0.5}
          - {label: eps, quantity: coeff_eps, eta: 0.5}
        ```
        """)
        let scheduler = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: ["set_alpha_to_one": .bool(false)]))
        try scheduler.setTimesteps(10)
        let steps = [0, 4, 9]
        func column(_ eta: Double, _ value: (DDIMStepCoefficients) -> Float) throws -> [Double] {
            let plan = try scheduler.stepPlan(eta: eta)
            return steps.map { Double(value(plan[$0])) }
        }
        #expect(records.map(\.key) == ["prev", "a_prev", "var", "s0", "s05", "s1", "x0", "dir", "xt", "eps"])
        #expect(records[0].values == (try column(0) { Float($0.prevTimestep) }))
        #expect(records[1].values == (try column(0) { $0.alphaProdPrev }))
        // The last step of a set_alpha_to_one: false schedule lands on final_alpha_cumprod = ᾱ₀.
        #expect(records[1].values[2] == Double(scheduler.finalAlphaCumprod))
        #expect(records[2].values == (try column(0) { $0.variance }))
        #expect(records[3].values == [0, 0, 0])
        #expect(records[4].values == (try column(0.5) { $0.std }))
        #expect(records[5].values == (try column(1) { $0.std }))
        #expect(records[4].values != records[5].values)
        #expect(records[6].values == (try column(1) { $0.originalCoefficient }))
        #expect(records[7].values == (try column(1) { $0.directionCoefficient }))
        #expect(records[8].values == (try column(0.5) { $0.sampleCoefficient }))
        #expect(records[9].values == (try column(0.5) { $0.epsilonCoefficient }))
    }

    @Test("A DDPM table shows the posterior-mean coefficients and the variance of the configured variance_type")
    func ddpmTable() throws {
        let records = try Self.records("""
        ```scheduler table
        num_inference_steps: 10
        variance_type: fixed_large
        t: [0, 9]
        columns: [coeff_x0, coeff_x_t, posterior_variance, ddpm_variance, noise_std]
        ```
        """)
        let scheduler = try DDPMScheduler(config: DDPMSchedulerConfiguration(values: ["variance_type": .string("fixed_large")]))
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        let first = plan[0], last = plan[9]
        #expect(records[0].values == Self.doubles([first.originalCoefficient, last.originalCoefficient]))
        #expect(records[1].values == Self.doubles([first.currentCoefficient, last.currentCoefficient]))
        #expect(records[2].values == Self.doubles([first.posteriorVariance, last.posteriorVariance]))
        #expect(records[3].values == Self.doubles([first.currentBeta, last.currentBeta]))
        // fixed_large: √β_t; the last step (t = 0) adds no noise.
        #expect(records[4].values == [Double(first.std!), 0])
    }

    @Test("DPM-Solver λ steps, ratios, orders and coefficients come from the solvers' step plans")
    func dpmSolverQuantities() throws {
        let records = try Self.records("""
        ```scheduler table
        scheduler: DPMSolverMultistep
        solver_order: 3
        num_inference_steps: 10
        allow_nonfinite: true
        t: [0, 1, 2, 5, 9]
        columns: [lambda_s, lambda_t, step_h, step_r0, step_r1, solver_order_used, coeff_sample, coeff_d0, coeff_d1, coeff_d2]
        ```
        """)
        let scheduler = try DPMSolverMultistepScheduler(
            config: DPMSolverMultistepSchedulerConfiguration(values: ["solver_order": .int(3)]))
        try scheduler.setTimesteps(10)
        let plan = try scheduler.stepPlan()
        let rows = [0, 1, 2, 5, 9].map { plan[$0] }
        #expect(records[0].values == rows.map { Double($0.lambdaS) })
        #expect(records[1].values == rows.map { Double($0.lambdaT) })
        #expect(records[2].values == rows.map { Double($0.h) })
        // r₀ exists from the second step, r₁ only at third-order steps: NaN elsewhere.
        #expect(records[3].values[0].isNaN && records[3].values[1] == Double(rows[1].r0!))
        #expect(records[4].values[1].isNaN && records[4].values[2] == Double(rows[2].r1!))
        #expect(records[5].values == [1, 2, 3, 3, 1])
        #expect(records[6].values == rows.map { Double($0.sampleCoefficient) })
        #expect(records[7].values == rows.map { Double($0.d0Coefficient) })
        #expect(records[8].values == rows.map { Double($0.d1Coefficient ?? 0) })
        #expect(records[9].values == rows.map { Double($0.d2Coefficient ?? 0) })
    }

    @Test("A plot of h per step for multistep and singlestep follows the library")
    func stepSizePlot() throws {
        let records = try Self.records("""
        ```scheduler plot
        y: step_h
        num_inference_steps: 8
        allow_nonfinite: true
        series:
          - {label: multistep, scheduler: DPMSolverMultistep}
          - {label: singlestep, scheduler: DPMSolverSinglestep}
          - {label: UniPC, scheduler: UniPCMultistep}
        ```
        """)
        let multistep = try DPMSolverMultistepScheduler()
        try multistep.setTimesteps(8)
        let singlestep = try DPMSolverSinglestepScheduler()
        try singlestep.setTimesteps(8)
        #expect(records[0].values == (try multistep.stepPlan()).map { Double($0.h) })
        #expect(records[1].values == (try singlestep.stepPlan()).map { Double($0.h) })
        let uniPC = try UniPCMultistepScheduler()
        try uniPC.setTimesteps(8)
        #expect(records[2].values == (try uniPC.stepPlan()).map { Double($0.predictor.h) })
        #expect(records[0].values != records[1].values)
        // The last step ends at σ = 0 (final_sigmas_type zero), where λ is +∞: so is h, as in diffusers.
        #expect(records[0].values.last == .infinity && records[1].values.last == .infinity)
    }

    @Test("Euler's γ, σ̂ and dt follow s_churn")
    func eulerChurn() throws {
        let records = try Self.records("""
        ```scheduler table
        scheduler: EulerDiscrete
        num_inference_steps: 10
        t: [0, 9]
        columns:
          - {label: dt, quantity: dt}
          - {label: churned dt, quantity: dt, s_churn: 2}
          - {label: gamma, quantity: gamma, s_churn: 2}
          - {label: sigma hat, quantity: sigma_hat, s_churn: 2}
        ```
        """)
        let scheduler = try EulerDiscreteScheduler()
        try scheduler.setTimesteps(10)
        let plain = try scheduler.stepPlan(), churned = try scheduler.stepPlan(sChurn: 2)
        #expect(records[0].values == [plain[0].dt, plain[9].dt].map(Double.init))
        #expect(records[1].values == [churned[0].dt, churned[9].dt].map(Double.init))
        #expect(records[2].values == [churned[0].gamma, churned[9].gamma] && churned[0].gamma > 0)
        #expect(records[3].values == [churned[0].sigmaHat, churned[9].sigmaHat].map(Double.init))
    }

    @Test("final_alpha_cumprod can be pinned in prose")
    func finalAlphaCumprodPin() throws {
        let (page, diagnostics) = PageParser.parse(
            text: "The last step uses {value}`DDIM(set_alpha_to_one: false).final_alpha_cumprod[0] = 0.9999`.\n",
            sourcePath: "s.md", displayPath: "content/s.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let scheduler = try DDIMScheduler(config: DDIMSchedulerConfiguration(values: ["set_alpha_to_one": .bool(false)]))
        #expect(page.inlineValues.first?.computed == Double(scheduler.finalAlphaCumprod))
    }

    @Test("A value directive and an inline value take eta too")
    func valueWithEta() throws {
        let (page, diagnostics) = PageParser.parse(text: """
        ```scheduler value
        scheduler: DDIM
        num_inference_steps: 10
        eta: 1
        quantity: ddim_sigma
        t: 2
        ```

        At the second step {value}`DDIM(num_inference_steps: 10, eta: 0.5).ddim_sigma[1] = 0.1`.
        """, sourcePath: "s.md", displayPath: "content/s.md")
        #expect(!diagnostics.containsErrors, "\(diagnostics)")
        let scheduler = try DDIMScheduler()
        try scheduler.setTimesteps(10)
        #expect(page.directives.first?.records.first?.values == [Double(try scheduler.stepPlan(eta: 1)[2].std)])
        #expect(page.inlineValues.first?.computed == Double(try scheduler.stepPlan(eta: 0.5)[1].std))
    }

    @Test("An eta that a define carries into an experiment is an error at the define's key, not ignored")
    func etaInExperiment() {
        let text = """
        ```scheduler define
        name: noisy
        scheduler: DDIM
        eta: 1
        ```

        ```scheduler experiment
        data: {means: [-0.5, 0.6], std: [0.15, 0.2]}
        samplers: [{scheduler: noisy}]
        steps: [5]
        samples: 8
        ```
        """
        let (_, diagnostics) = PageParser.parse(text: text, sourcePath: "e.md", displayPath: "content/e.md")
        #expect(diagnostics.first?.description.hasPrefix(
            "content/e.md:4:1: error: 'eta' comes from a 'define', which 'scheduler experiment' does not read step arguments from") == true, "\(diagnostics)")
        // Written in the sampler itself, it is the experiment's own knob: no error.
        let (_, written) = PageParser.parse(
            text: "```scheduler experiment\ndata: {means: [0], std: [1]}\nsamplers: [{scheduler: DDIM, eta: 1}]\nsteps: [5]\nsamples: 8\n```\n",
            sourcePath: "e.md", displayPath: "content/e.md")
        #expect(!written.containsErrors, "\(written)")
    }

    @Test("Misused step quantities and arguments are errors that say why", arguments: [
        ("y: step_h\nscheduler: DDIM\nnum_inference_steps: 5",
         "quantity 'step_h' needs a DPM-Solver or UniPC scheduler (DPMSolverMultistep, DPMSolverSinglestep, UniPCMultistep); 'DDIM' has no λ steps"),
        ("y: ddim_sigma\nscheduler: DDIM\nnum_inference_steps: 5\neta: -0.5", "eta must be a finite number ≥ 0, not -0.5"),
        ("y: timesteps\nscheduler: DPMSolverMultistep\nnum_inference_steps: 5\neta: 1",
         "'eta' is an argument of the step of a DDIM scheduler; 'DPMSolverMultistep' does not take it"),
        ("y: ddim_sigma\nscheduler: DDIM\nnum_inference_steps: 5\neta: much", "'eta' must be a number"),
        ("y: ddim_sigmaa\nscheduler: DDIM\nnum_inference_steps: 5", "unknown quantity 'ddim_sigmaa'"),
        ("y: step_r0\nscheduler: UniPCMultistep\nnum_inference_steps: 5",
         "quantity 'step_r0' needs a DPM-Solver scheduler (DPMSolverMultistep or DPMSolverSinglestep); 'UniPCMultistep' has no DPM-Solver update"),
        ("y: dt\nscheduler: DDPM\nnum_inference_steps: 5", "quantity 'dt' needs an EulerDiscrete scheduler; 'DDPM' has no Euler σ steps"),
    ])
    func errors(_ body: String, _ message: String) {
        let (_, diagnostics) = TestSite.article("```scheduler plot\n\(body)\n```\n")
        #expect(diagnostics.first?.message == message, "\(diagnostics)")
        if message.hasPrefix("unknown quantity") {
            #expect(diagnostics.first?.notes.first == "did you mean 'ddim_sigma'?")
        }
    }
}
