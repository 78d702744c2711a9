"""Feedback pages: the emailed links (no login) and the portals' feedback sections.

A GET never records anything; answers and opt-outs are POSTs.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from accounts.models import User
from accounts.workspace import WorkspaceMixin, portal_url
from helpdesk.models import SupportRequest

from . import answering, tokens
from .forms import SurveyForm
from .language import link_language
from .models import FeedbackRequest, FeedbackResponse, Survey

PAGE_SIZE = 20


def section_url(workspace) -> str:
    return portal_url("feedback:section", workspace)


def _token_error_page(request, error: tokens.TokenError):
    return render(request, "feedback/link_refused.html", {"reason": error.reason},
                  status=error.status)


def _link_language(request, user: User):
    """The page of an emailed link in the language `feedback.language` decides."""
    language = link_language(request, user)
    request.LANGUAGE_CODE = language
    return translation.override(language)


# Emailed links ------------------------------------------------------------------------


class AnswerByTokenView(View):
    """`/feedback/<token>/`: GET shows the survey, POST answers it. No login."""

    template_name = "feedback/answer.html"

    def _context(self, feedback_request, form):
        return {"feedback_request": feedback_request, "survey": feedback_request.survey,
                "form": form, "by_link": True}

    def get(self, request, token):
        try:
            feedback_request = answering.find_by_token(token)
        except tokens.TokenError as exc:
            return _token_error_page(request, exc)
        with _link_language(request, feedback_request.user):
            form = SurveyForm(answering.questions_of(feedback_request.survey))
            return render(request, self.template_name, self._context(feedback_request, form))

    def post(self, request, token):
        try:
            feedback_request = answering.find_by_token(token)
        except tokens.TokenError as exc:
            return _token_error_page(request, exc)
        with _link_language(request, feedback_request.user):
            form = SurveyForm(answering.questions_of(feedback_request.survey), request.POST)
            if not form.is_valid():
                return render(request, self.template_name,
                              self._context(feedback_request, form), status=400)
            try:
                # The link is personal: the answer is the recipient's, whoever is signed in.
                answering.answer(feedback_request, answers=form.answers, channel="link",
                                language=translation.get_language())
            except answering.AlreadyAnswered:
                return _token_error_page(request, tokens.UsedToken())
        return redirect("feedback:thanks")


class ThanksView(TemplateView):
    template_name = "feedback/thanks.html"


# A mail program's one-click unsubscribe (RFC 8058) posts `List-Unsubscribe=One-Click` to
# the link with no cookie and no CSRF token; the signed token in the URL is what proves the
# request comes from the recipient, so a forged cross-site post can do nothing.
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """`/feedback/unsubscribe/<token>/`: GET asks to confirm, POST opts out (the page's
    button, or a mail program's one-click unsubscribe). No login."""

    template_name = "feedback/unsubscribe.html"

    def _user(self, token):
        user_id = tokens.read_unsubscribe_token(token)
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise tokens.ExpiredToken
        return user

    def get(self, request, token):
        try:
            user = self._user(token)
        except tokens.TokenError as exc:
            return _token_error_page(request, exc)
        with _link_language(request, user):
            return render(request, self.template_name, {
                "email": user.email, "done": answering.has_opted_out(user)})

    def post(self, request, token):
        try:
            user = self._user(token)
        except tokens.TokenError as exc:
            return _token_error_page(request, exc)
        answering.opt_out(user, request=request)
        with _link_language(request, user):
            return render(request, self.template_name, {"email": user.email, "done": True})


# Portal sections (7.1 home, 7.2 company) ----------------------------------------------------


class FeedbackSectionView(WorkspaceMixin, TemplateView):
    """Pending surveys, the workspace's requests to give feedback on, and past answers."""

    template_name = "feedback/section.html"

    def get_context_data(self, **kwargs):
        user, workspace = self.request.user, self.workspace
        pending = (
            FeedbackRequest.objects.visible_to(user).in_workspace(workspace).pending()
            .select_related("survey", "support_request").order_by("-created_at", "-pk")
        )
        requests = (
            SupportRequest.objects.of_customer(user).in_workspace(workspace)
            .exclude(Exists(FeedbackResponse.objects.filter(
                feedback_request__support_request=OuterRef("pk"))))
            .order_by("-created_at", "-pk")
        )
        answers = (
            FeedbackResponse.objects.visible_to(user).in_workspace(workspace)
            .select_related("feedback_request__survey", "feedback_request__support_request",
                            "respondent")
            .order_by("-created_at", "-pk")
        )
        kwargs.update(
            pending=list(pending[:50]),
            requests_page=Paginator(requests, PAGE_SIZE).get_page(
                self.request.GET.get("page")),
            answers_page=Paginator(answers, PAGE_SIZE).get_page(
                self.request.GET.get("answers")),
            section_url=section_url(workspace),
        )
        return super().get_context_data(**kwargs)


class _AnswerInPortalView(WorkspaceMixin, View):
    template_name = "feedback/answer.html"

    def render_form(self, feedback_request, survey, form, *, subject=None, status=200):
        return render(self.request, self.template_name, {
            "workspace": self.workspace, "survey": survey, "form": form,
            "feedback_request": feedback_request, "support_request": subject,
            "section_url": section_url(self.workspace),
        }, status=status)

    def done(self):
        messages.success(self.request, _("Thank you for your feedback."))
        return redirect(section_url(self.workspace))


class AnswerPendingView(_AnswerInPortalView):
    """A pending survey (sent to this person or on a request in reach) answered in the
    portal instead of from the emailed link."""

    def get_object(self, pk):
        return get_object_or_404(
            FeedbackRequest.objects.visible_to(self.request.user).in_workspace(self.workspace)
            .pending().select_related("survey", "support_request")
            .prefetch_related("survey__questions"),
            pk=pk,
        )

    def get(self, request, pk, **kwargs):
        feedback_request = self.get_object(pk)
        survey = feedback_request.survey
        return self.render_form(feedback_request, survey,
                                SurveyForm(answering.questions_of(survey)),
                                subject=feedback_request.support_request)

    def post(self, request, pk, **kwargs):
        feedback_request = self.get_object(pk)
        survey = feedback_request.survey
        form = SurveyForm(answering.questions_of(survey), request.POST)
        if form.is_valid():
            try:
                answering.answer(feedback_request, answers=form.answers, channel="portal",
                                respondent=request.user, language=translation.get_language())
            except answering.AlreadyAnswered:
                form.add_error(None, _("This survey has already been answered."))
            else:
                return self.done()
        return self.render_form(feedback_request, survey, form,
                                subject=feedback_request.support_request, status=400)


class AnswerRequestView(_AnswerInPortalView):
    """Feedback on one registered request, at any time (7.1, 7.2); once per request."""

    def get_request(self, reference):
        return get_object_or_404(
            SupportRequest.objects.of_customer(self.request.user).in_workspace(self.workspace),
            reference=reference,
        )

    def _state(self, support_request):
        feedback_request = (
            FeedbackRequest.objects.visible_to(self.request.user)
            .select_related("survey", "response", "response__respondent")
            .filter(support_request=support_request).first()
        )
        if feedback_request is not None:
            survey = feedback_request.survey
        else:
            survey = get_object_or_404(Survey, code=Survey.POST_RESOLUTION)
        return feedback_request, survey

    def _answered(self, feedback_request, support_request):
        return render(self.request, "feedback/answered.html", {
            "workspace": self.workspace, "response": feedback_request.response,
            "support_request": support_request, "section_url": section_url(self.workspace),
        })

    def get(self, request, reference, **kwargs):
        support_request = self.get_request(reference)
        feedback_request, survey = self._state(support_request)
        if feedback_request is not None and feedback_request.is_answered:
            return self._answered(feedback_request, support_request)
        questions = answering.questions_of(survey)
        return self.render_form(feedback_request, survey, SurveyForm(questions),
                                subject=support_request)

    def post(self, request, reference, **kwargs):
        support_request = self.get_request(reference)
        feedback_request, survey = self._state(support_request)
        if feedback_request is not None and feedback_request.is_answered:
            messages.error(request, _("Feedback on this request has already been given."))
            return self._answered(feedback_request, support_request)
        form = SurveyForm(answering.questions_of(survey), request.POST)
        if form.is_valid():
            try:
                answering.answer_support_request(
                    support_request, answers=form.answers, respondent=request.user,
                    language=translation.get_language())
            except answering.AlreadyAnswered:
                form.add_error(None, _("Feedback on this request has already been given."))
            else:
                return self.done()
        return self.render_form(feedback_request, survey, form, subject=support_request,
                                status=400)
