import { Body, Controller, Header, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../authz/public.decorator';
import { OrganizationResponseDto } from '../organizations/dto/organization.dto';
import { UserResponseDto } from '../directory/users/user-response.dto';
import { SignupDto, SignupResponseDto } from './dto/signup.dto';
import { OnboardingService } from './onboarding.service';

@ApiTags('Organization')
@Controller('organizations')
export class SignupController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Public() // multi-tenant sign-up; refused with 403 unless ALLOW_ORGANIZATION_SIGNUP=true
  @Post()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Create an organization and its Owner (only when ALLOW_ORGANIZATION_SIGNUP=true)',
  })
  @ApiCreatedResponse({ type: SignupResponseDto })
  async signUp(@Body() body: SignupDto): Promise<SignupResponseDto> {
    const { organization, user, tokens } = await this.onboarding.signUp(body);
    return {
      organization: OrganizationResponseDto.from(organization),
      user: UserResponseDto.from(user),
      tokens,
    };
  }
}
