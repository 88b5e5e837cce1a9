"""``/ws``: the live events socket (ARCHITECTURE §6). Apps publish through
``flowercrm.events``; this package authenticates sockets and forwards what they may see."""
