/**
 * The web dashboard: {@link dev.jobqueue.dashboard.Dashboard}, served standalone by {@link
 * dev.jobqueue.dashboard.DashboardServer} or in a Servlet container by {@link
 * dev.jobqueue.dashboard.DashboardServlet}; users signed in by a {@link
 * dev.jobqueue.dashboard.DashboardAuthenticator} such as {@link
 * dev.jobqueue.dashboard.PasswordAuthenticator}. Only {@code DashboardServlet} needs the Servlet
 * API; the rest needs nothing beyond the library and the JDK.
 */
package dev.jobqueue.dashboard;
