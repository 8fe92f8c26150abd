package dev.jobqueue.spring.sample;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The sample's web security: Actuator is open (health and metrics for the platform), the job queue
 * dashboard at {@code /jobqueue} needs a signed-in user, whose {@code JOBQUEUE_*} role the
 * dashboard maps to its own. The dashboard checks its own CSRF token on every POST, so Spring's is
 * off for its path. The users are the sample's, with plain-text passwords: a real application has
 * its own user store. Only in a web application: tests without a web server have no HTTP security.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class SampleSecurity {

  @Bean
  SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(
            requests ->
                requests
                    .requestMatchers("/actuator/**")
                    .permitAll()
                    .requestMatchers("/jobqueue", "/jobqueue/**")
                    .authenticated()
                    .anyRequest()
                    .denyAll())
        .httpBasic(Customizer.withDefaults())
        .csrf(csrf -> csrf.ignoringRequestMatchers("/jobqueue/**"))
        .build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("ada").password("{noop}ada-pw").roles("JOBQUEUE_ADMIN").build(),
        User.withUsername("vera").password("{noop}vera-pw").roles("JOBQUEUE_VIEWER").build(),
        User.withUsername("nora").password("{noop}nora-pw").roles("SALES").build());
  }
}
