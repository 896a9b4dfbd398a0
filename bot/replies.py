"""Answering an interaction exactly once, then with follow-ups; errors as ephemeral replies."""

from __future__ import annotations

import logging
import secrets

import discord

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Respond if nothing was sent yet, else send a follow-up; never pings anyone."""
    kwargs: dict = {"content": content, "embed": embed, "ephemeral": ephemeral}
    kwargs["allowed_mentions"] = NO_PINGS
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**{k: v for k, v in kwargs.items() if v is not None})
    else:
        await interaction.response.send_message(**kwargs)


async def tell(interaction: discord.Interaction, message: str) -> None:
    """A short ephemeral message to the user (errors, hints, refusals)."""
    await send(interaction, message[:2000], ephemeral=True)


def new_ref() -> str:
    """A short reference that ties a user's error message to the logged traceback."""
    return secrets.token_hex(3).upper()


async def report_unexpected(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the traceback with a reference and tell the user only the reference."""
    ref = new_ref()
    log.error("unexpected error (ref %s) in %s", ref, _where(interaction), exc_info=error)
    try:
        await tell(interaction, f"Something went wrong (ref {ref}). Please try again later.")
    except discord.HTTPException:
        log.warning("could not tell the user about error ref %s", ref)


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else "component"
    return f"{command} (guild {interaction.guild_id}, user {interaction.user.id})"
