"""From a scenario's model specs to the run's minds: rule-based, or LLM minds over the
wrapped backends. Built here, in the run layer, so that backends never import minds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from society.agents.llm import LLMMind
from society.agents.mind import Mind
from society.agents.rule_mind import RulesMind
from society.backends.resolve import BackendError, ChatModelFactory, init_chat_model_factory
from society.backends.stack import BackendOptions, BackendSetupError, RunBackends, build_backend
from society.core.agents import agents_of
from society.prompts import PromptLibrary
from society.scenario.base import ScenarioBase
from society.scenario.models import LLMSettings, ModelSpec


def build_mind(
    spec: ModelSpec,
    prompts: PromptLibrary,
    settings: LLMSettings,
    chat_model_factory: ChatModelFactory = init_chat_model_factory,
    *,
    backoff_s: float | None = None,
    run: RunBackends | None = None,
) -> Mind:
    """The mind for `spec`: rule-based, or an LLM mind over the wrapped backend. `run` holds
    what the models of one run share (concurrency caps, budget, record store); without it the
    model gets resources of its own."""
    if spec.is_rules:
        return RulesMind()
    if run is None:
        run = RunBackends(settings, BackendOptions(backoff_s=backoff_s))
        run.reserve_cap(spec)
    try:
        backend = build_backend(spec, run, chat_model_factory)
    except BackendSetupError as error:
        raise BackendError(str(error)) from None
    return LLMMind(backend, spec.name, prompts, settings)


def build_minds(
    scenario: ScenarioBase,
    prompts: PromptLibrary | None = None,
    factory: ChatModelFactory = init_chat_model_factory,
    *,
    backoff_s: float | None = None,
    run: RunBackends | None = None,
) -> dict[str, Mind]:
    """One mind per distinct model spec, shared by the agents of the groups that name it.
    All of them share `run` (made here if not given): one concurrency cap per server, the
    run's budget, the record/replay store."""
    prompts = prompts or PromptLibrary.for_scenario(scenario)
    agents = agents_of(scenario)
    if run is None:
        run = RunBackends(scenario.llm, BackendOptions(backoff_s=backoff_s))
    groups = {group.name: group for group in scenario.population}
    specs = {agent.id: scenario.model_for(groups[agent.group]) for agent in agents}
    for spec in specs.values():
        if not spec.is_rules:
            run.reserve_cap(spec)
    by_spec: dict[str, Mind] = {}
    minds: dict[str, Mind] = {}
    for agent in agents:
        spec = specs[agent.id]
        key = spec.model_dump_json()
        if key not in by_spec:
            by_spec[key] = build_mind(spec, prompts, scenario.llm, factory, run=run)
        minds[agent.id] = by_spec[key]
    return minds


def prepare_minds(
    scenario: ScenarioBase,
    prompts: PromptLibrary | None,
    chat_model_factory: ChatModelFactory,
    minds: Mapping[str, Mind] | None,
    *,
    backoff_s: float | None = None,
    backends: BackendOptions | None = None,
) -> tuple[dict[str, Mind], RunBackends | None]:
    """The run's minds and the backends they share (None when `minds` are given)."""
    if minds is not None:
        return dict(minds), None
    options = backends or BackendOptions()
    if backoff_s is not None:
        options = replace(options, backoff_s=backoff_s)
    run_backends = RunBackends(scenario.llm, options)
    try:
        built = build_minds(
            scenario,
            prompts or PromptLibrary.for_scenario(scenario),
            chat_model_factory,
            run=run_backends,
        )
    except BaseException:
        run_backends.close()
        raise
    return built, run_backends


def wants_durability(minds: Mapping[str, Mind]) -> bool:
    """Disk flushes per round by default only for runs with LLM minds: their rounds cost money
    and hours. A rule round is cheaper to redo than to flush (BENCHMARKS.md measures it), and
    without the flush a checkpoint still survives a killed process."""
    return any(mind.source != "rules" for mind in minds.values())
