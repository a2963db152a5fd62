from flask import Blueprint

bp = Blueprint("accounts", __name__)


@bp.route("/invitations/<token>")
def accept_invitation(token: str):
    return token
