"""The donor game's prompts and settings: each variant is told only what is true for it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from society.games.donor.dynamics import apply_outcome, interaction_record, resolve_donation
from society.games.donor.settings import DonorSettings
from society.games.donor.views import donation_view, strategy_view
from society.prompts import PromptLibrary

VARIANTS = ["none", "costly_punishment", "partner_choice"]


def sample_state() -> dict:
    resources = {f"1_{i}": 10.0 for i in range(1, 13)}
    history = []
    for rnd, (donor, recipient, fraction) in enumerate(
        [("1_3", "1_4", 0.5), ("1_9", "1_3", 0.2), ("1_2", "1_9", 0.0)], start=1
    ):
        out = resolve_donation(resources[donor], resources[recipient], "donate", fraction, 2, 2)
        history.append(
            interaction_record(
                generation=1,
                round=rnd,
                donor=donor,
                recipient=recipient,
                action="donate",
                fraction=fraction,
                donor_resources=resources[donor],
                outcome=out,
            )
        )
        resources = apply_outcome(resources, donor, recipient, out)
    strategies = {"1_8": "My strategy will be to give half to anyone who gives."}
    return {"generation": 1, "resources": resources, "history": history, "strategies": strategies}


def rendered(variant: str, loss: float = 2.0) -> dict[str, str]:
    settings = DonorSettings(variant=variant, punishment_loss=loss, cooperation_gain=3.0)
    library = PromptLibrary()
    donate = donation_view(sample_state(), settings, donor="1_8", recipient="1_2", round=4)
    inherited = [{"agent": "1_3", "score": 31.5, "strategy": "My strategy will be to give 40%."}]
    texts = {
        "donate": library.render("donor_donate", view=donate, context={}),
        "strategy": library.render(
            "donor_strategy",
            view=strategy_view(
                settings, agent="2_1", generation=2, population=12, inherited=inherited
            ),
            context={},
        ),
        "first": library.render(
            "donor_strategy",
            view=strategy_view(settings, agent="1_1", generation=1, population=12, inherited=[]),
            context={},
        ),
    }
    return {k: "\n".join(m.content for m in p.messages) for k, p in texts.items()}


@pytest.mark.parametrize("variant", VARIANTS)
def test_prompts_mention_only_the_variants_options(variant: str) -> None:
    for name, text in rendered(variant).items():
        lower = text.lower()
        assert ("punish" in lower) == (variant == "costly_punishment"), name
        assert ("refuse" in lower) == (variant == "partner_choice"), name
        assert "3 times what the donor gave up" in text, name  # the gain is passed through
        assert "50%" in text and "10 units" in text, name


def test_donate_prompt_shows_the_trace_and_the_strategy() -> None:
    text = rendered("none")["donate"]
    assert "In round 3, 1_2 gave 0% of their resources" in text
    assert "In round 2, 1_9 gave 20%" in text
    assert "In round 1, 1_3 gave 50%" in text
    assert "give half to anyone who gives" in text
    assert "generation 1, game 1 of 2, round 4 of 12" in text
    assert "had not been a donor" not in text  # the chain is full (3 links)


def test_a_short_chain_says_where_it_ends() -> None:
    settings = DonorSettings()
    text = (
        PromptLibrary()
        .render(
            "donor_donate",
            view=donation_view(sample_state(), settings, donor="1_8", recipient="1_3", round=4),
            context={},
        )
        .messages[1]
        .content
    )
    assert "In round 1, 1_3 gave 50%" in text
    assert "Before that, 1_4 had not been a donor in this game." in text
    fresh = (
        PromptLibrary()
        .render(
            "donor_donate",
            view=donation_view(sample_state(), settings, donor="1_8", recipient="1_5", round=4),
            context={},
        )
        .messages[1]
        .content
    )
    assert "1_5 has not been a donor yet in this game." in fresh


def test_strategy_prompt_shows_the_survivors() -> None:
    text = rendered("none")["strategy"]
    assert "1_3 (31.50 units)" in text and "give 40%" in text
    assert "1_3" not in rendered("none")["first"]


def test_punishment_loss_reaches_the_prompt() -> None:
    assert "the recipient loses 4 units" in rendered("costly_punishment", loss=4.0)["donate"]


def test_prompts_need_their_variables() -> None:
    from society.prompts import PromptError

    with pytest.raises(PromptError):
        PromptLibrary().render("donor_donate", view={}, context={})


def test_settings_defaults_are_the_papers_and_strict() -> None:
    s = DonorSettings()
    assert (s.variant, s.endowment, s.cooperation_gain, s.punishment_loss) == ("none", 10, 2, 2)
    assert s.games_per_generation == 2
    assert (s.generations, s.rounds_per_game, s.survivor_fraction, s.trace_depth) == (
        10,
        12,
        0.5,
        3,
    )
    with pytest.raises(ValidationError, match="Extra inputs"):
        DonorSettings.model_validate({"gain": 2})
    with pytest.raises(ValidationError):
        DonorSettings(variant="exile")


def test_rounds_must_fit_the_bipartite_schedule() -> None:
    assert DonorSettings().schedule_repeats(12) == 1
    assert DonorSettings(rounds_per_game=24).schedule_repeats(12) == 2
    with pytest.raises(ValueError, match="multiple"):
        DonorSettings(rounds_per_game=10).schedule_repeats(12)
    with pytest.raises(ValueError, match="even"):
        DonorSettings().schedule_repeats(11)
    with pytest.raises(ValidationError, match="multiple"):
        DonorSettings.model_validate({"rounds_per_game": 6}, context={"population": 12})
    DonorSettings.model_validate({"rounds_per_game": 6}, context={"population": 6})
