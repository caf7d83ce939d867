"""Training pages: each user's own status (open even without training) and the Training Manager's records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import administration as admin
from plateguard.accounts import training
from plateguard.accounts.schemas import CourseCreate, TrainingCompletion
from plateguard.accounts.training import TrainingCourse
from plateguard.errors import NotFound
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import confirm
from plateguard.web.forms import form_model
from plateguard.web.templating import render

router = APIRouter()


@router.get("/training/me", response_class=HTMLResponse)
def my_training(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    user, today = login.user, request.app.state.settings.agency.today()
    context = {
        "gaps": training.training_gaps(session=db, user=user, today=today),
        "records": training.latest_records(session=db, user=user),
        "courses": training.courses(session=db),
        "expiring": training.expiring_soon(session=db, user=user, today=today),
        "needs_totp": admin.needs_totp_enrolment(session=db, user=user),
    }
    return render(request, "training_me.html", context)


@router.get("/training", response_class=HTMLResponse)
def training_register(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    users, today = admin.list_users(session=db), request.app.state.settings.agency.today()
    rows = [
        (
            user,
            training.latest_records(session=db, user=user),
            training.training_gaps(session=db, user=user, today=today),
        )
        for user in users
    ]
    return render(request, "training_manage.html", {"rows": rows, "courses": training.courses(session=db)})


@router.post("/training/records")
def record_training(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[TrainingCompletion, Depends(form_model(TrainingCompletion))],
) -> Response:
    user = admin.require_user(session=db, user_id=form.user_id)
    course = db.get(TrainingCourse, form.course_id)
    if course is None:
        raise NotFound(f"no course with id {form.course_id}", field="course_id")
    record = training.record_for_another(
        session=db,
        user=user,
        course=course,
        completed_on=form.completed_on,
        recorded_by=login.user,
        today=request.app.state.settings.agency.today(),
        notes=form.notes,
    )
    message = (
        f"Training recorded: {user.full_name}, {course.name}, valid until {record.expires_on.isoformat()}."
    )
    return confirm(request, RedirectResponse("/training", status_code=303), message)


@router.post("/training/courses")
def create_course(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[CourseCreate, Depends(form_model(CourseCreate))],
) -> Response:
    course = training.create_course(
        session=db,
        name=form.name,
        validity_months=form.validity_months,
        required=form.required,
        description=form.description,
    )
    access_log.append(
        session=db,
        actor=Actor.of(login.user),
        action="training.course_created",
        query={"course": course.name, "validity_months": course.validity_months, "required": course.required},
    )
    return confirm(request, RedirectResponse("/training", status_code=303), f"Course {course.name} added.")
